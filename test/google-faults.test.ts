/**
 * Reliability against a sandbox that answers 20% of Google requests with 503 and half of all setIamPolicy calls
 * with 409 ABORTED: every command still succeeds, and concurrent `wif grant` processes lose no binding.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { googleHarness, type GoogleHarness } from './google-harness.js';

let h: GoogleHarness;
before(async () => { h = await googleHarness({ failRate: 0.2, conflictRate: 0.5 }); });
after(async () => { await h?.close(); });

test('with injected 503s and etag conflicts every command succeeds, and the second runs change nothing', async () => {
  const cwd = h.workdir();
  const sa = `faulty-sa@${h.sb.project.id}.iam.gserviceaccount.com`;
  const steps: string[][] = [
    ['pool', 'ensure', '--pool', 'fault-pool', '--display-name', 'Faults'],
    ['provider', 'ensure', '--pool', 'fault-pool', '--provider', 'fault-prov', '--context', 'self-hosted', '--mapping-preset', 'kubernetes', '--allow-namespace', 'apps'],
    ['grant', '--ksa', 'apps/a', '--ksa', 'apps/b', '--role', 'roles/storage.objectViewer'],
    ['grant', '--namespace', 'apps', '--service-account', sa, '--create-service-account', '--role', 'roles/pubsub.subscriber'],
    ['revoke', '--ksa', 'apps/b', '--role', 'roles/storage.objectViewer'],
  ];
  const s = h.mark();
  for (const argv of steps) {
    const r = await h.wif([...argv, '--yes'], { cwd });
    assert.equal(r.code, 0, `${argv.join(' ')}\n${r.stderr}`);
    const since = h.mark();
    const again = await h.wif([...argv, '--yes'], { cwd });
    assert.equal(again.code, 0, `${argv.join(' ')} (again)\n${again.stderr}`);
    assert.deepEqual(h.mutating(since), [], `${argv.join(' ')}: the second run changes nothing`);
  }
  assert.ok(h.requests(s).some((r) => r.fault === 'unavailable'), 'faults were injected');
});

test('concurrent wif grant processes (8 in parallel, 409 ABORTED on half the writes) lose no binding', async () => {
  const n = 8;
  const s = h.mark();
  const runs = await Promise.all(Array.from({ length: n }, (_, i) => h.spawnWif(
    ['grant', '--project', h.sb.project.id, '--pool', 'race-pool', '--ksa', `race/ksa-${i}`, '--ksa', `race/shared`, '--role', 'roles/logging.logWriter', '--yes', '--json'],
    h.workdir())));
  runs.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.stderr}`));
  const conflicts = h.requests(s).filter((r) => r.path.endsWith(':setIamPolicy') && r.status === 409).length;
  assert.ok(conflicts > 0, 'the writers did conflict');
  const policy = (await h.api('POST', `/v1/projects/${h.sb.project.id}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).json;
  const members: string[] = policy.bindings.find((b: any) => b.role === 'roles/logging.logWriter').members;
  const P = `principal://iam.googleapis.com/projects/${h.sb.project.number}/locations/global/workloadIdentityPools/race-pool/subject/system:serviceaccount:race:`;
  assert.deepEqual(members.filter((m) => m.startsWith(P)).sort(), [...Array.from({ length: n }, (_, i) => `${P}ksa-${i}`), `${P}shared`].sort());
  assert.ok(policy.bindings.some((b: any) => b.role === 'roles/owner'), 'the owner binding survived every write');
});
