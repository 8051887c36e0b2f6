/**
 * Concurrent `wif grant` and `wif revoke` processes on ONE service account's IAM policy (impersonation), while
 * the sandbox answers half of all setIamPolicy calls with 409 ABORTED and 10% of Google requests with 503:
 * every process succeeds, every granted principal is there, the revoked one is gone, and a binding wif did not
 * write survives. (google-faults.test.ts covers concurrent grants on the project policy.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { googleHarness, type GoogleHarness } from './google-harness.js';

let h: GoogleHarness;
before(async () => { h = await googleHarness({ failRate: 0.1, conflictRate: 0.5 }); });
after(async () => { await h?.close(); });

type Binding = { role: string; members: string[] };

/** A raw Google call as the owner, again while the sandbox injects a 503. */
async function api(method: string, path: string, body: object): Promise<{ status: number; json: any }> {
  for (let i = 0; ; i++) {
    const r = await h.api(method, path, body);
    if (r.status !== 503 || i >= 20) return r;
  }
}

test('6 concurrent processes (5 grants, 1 revoke) on one service account policy lose nothing and keep the rest', async () => {
  const project = h.sb.project.id;
  const sa = `race-sa@${project}.iam.gserviceaccount.com`;
  const common = ['--project', project, '--pool', 'race-pool', '--service-account', sa, '--role', 'roles/logging.logWriter', '--yes', '--json'];
  const setup = await h.wif(['grant', ...common, '--ksa', 'race/old', '--create-service-account'], { cwd: h.workdir() });
  assert.equal(setup.code, 0, setup.stderr);
  const path = `/v1/projects/${project}/serviceAccounts/${sa}`;
  const kept: Binding = { role: 'roles/iam.serviceAccountTokenCreator', members: ['user:alice@example.com'] };
  // A binding wif does not manage (the sandbox injects 409s into this write too: read-modify-write until it lands).
  for (let i = 0, status = 0; status !== 200; i++) {
    assert.ok(i < 20, 'setIamPolicy kept conflicting');
    const cur = (await api('POST', `${path}:getIamPolicy`, {})).json;
    status = (await api('POST', `${path}:setIamPolicy`, { policy: { ...cur, bindings: [...(cur.bindings ?? []), kept] } })).status;
  }

  const s = h.mark();
  const runs = await Promise.all([
    ...Array.from({ length: 5 }, (_, i) => h.spawnWif(['grant', ...common, '--ksa', `race/ksa-${i}`], h.workdir())),
    h.spawnWif(['revoke', ...common, '--ksa', 'race/old'], h.workdir()),
  ]);
  runs.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.stderr}`));
  assert.ok(h.requests(s).some((r) => r.path.endsWith(':setIamPolicy') && r.status === 409), 'the writers did conflict');

  const policy = (await api('POST', `${path}:getIamPolicy?options.requestedPolicyVersion=3`, {})).json;
  assert.ok(Array.isArray(policy.bindings), JSON.stringify(policy));
  const P = `principal://iam.googleapis.com/projects/${h.sb.project.number}/locations/global/workloadIdentityPools/race-pool/subject/system:serviceaccount:race:`;
  const users = (policy.bindings as Binding[]).find((b) => b.role === 'roles/iam.workloadIdentityUser')?.members ?? [];
  assert.deepEqual(users.filter((m) => m.startsWith(P)).sort(), Array.from({ length: 5 }, (_, i) => `${P}ksa-${i}`).sort());
  assert.deepEqual((policy.bindings as Binding[]).find((b) => b.role === kept.role), kept, 'the binding wif did not write survived');
});
