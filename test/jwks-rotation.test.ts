import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { failedStage, stage, startJourney, type Journey } from './e2e-helpers.js';
import { httpsJson } from './helpers/https.js';
import { Kubectl } from '../src/cloud/kube/kubectl.js';

/**
 * The rotation story against the sandbox (issue 7): a self-hosted cluster (private issuer, JWKS uploaded) is
 * set up with `wif init`; the cluster rotates its keys through the control endpoint; verify fails at the
 * claims stage naming the stale JWKS; `wif jwks diff` exits 1; `wif jwks sync` uploads the union with ONE PATCH
 * of `oidc.jwksJson`; verify passes again. Then keep-old rotations and `--prune`, the wrong cluster, and a
 * public issuer (nothing uploaded).
 */
let j: Journey;
let dir: string;
let wip: { pool: string; provider: string };

before(async () => {
  j = await startJourney();
  dir = j.workdir();
  // verify runs in the first test; the KSA is created as a user would (no test pod: none is needed here).
  const r = await j.wif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--no-verify', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const k = new Kubectl({ context: 'self-hosted', env: j.env, cwd: dir });
  for (const args of [['create', 'namespace', 'demo'], ['apply', '-f', join(dir, 'wif-out', 'serviceaccount.yaml')]]) {
    const x = await k.run(args);
    assert.ok(x.exitCode === 0 || /AlreadyExists/.test(x.stderr), x.stderr);
  }
  const cfg = parse(readFileSync(join(dir, 'wif.yaml'), 'utf8'));
  wip = { pool: cfg.pool.id, provider: cfg.provider.id };
});
after(async () => j?.stop());

const providerApiPath = () => `v1/projects/${j.sandbox.project.id}/locations/global/workloadIdentityPools/${wip.pool}/providers/${wip.provider}`;

async function rotate(keepOld = false): Promise<void> {
  const r = await httpsJson(`${j.sandbox.googleUrl}/_sandbox/clusters/self-hosted/rotate-keys${keepOld ? '?keep-old=true' : ''}`, { method: 'POST', ca: j.sandbox.caPem });
  assert.equal(r.status, 200, r.text);
}

async function uploaded(): Promise<{ kids: string[]; text: string }> {
  const r = await j.google('GET', providerApiPath());
  const text = r.json.oidc.jwksJson as string;
  return { kids: (JSON.parse(text) as { keys: { kid: string }[] }).keys.map((k) => k.kid), text };
}

const lastSeq = () => j.sandbox.requests().at(-1)?.seq ?? 0;
const patchesSince = (seq: number) => j.sandbox.requests({ since: seq }).filter((x) => x.method === 'PATCH' && x.path.includes('/providers/'));

async function verify(): Promise<{ code: number; json: any }> {
  return j.wif(['verify', '--output', 'json'], dir);
}

test('before any rotation: verify passes, jwks diff is in sync (exit 0), sync changes nothing', async () => {
  assert.equal((await verify()).code, 0);
  const d = await j.wif(['jwks', 'diff', '--output', 'json'], dir);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.json.result.inSync, true);
  assert.deepEqual(d.json.result.missing, []);
  assert.deepEqual(d.json.result.clusterKeys, (await uploaded()).kids);
  const seq = lastSeq();
  const s = await j.wif(['jwks', 'sync', '--output', 'json'], dir);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.json.result.changed, false);
  assert.equal(patchesSince(seq).length, 0);
});

test('rotate → verify fails at the claims stage (stale JWKS) → diff exits 1 → sync uploads the union → verify passes', async () => {
  const before = await uploaded();
  await rotate();
  const v = await verify();
  assert.equal(v.code, 1);
  assert.equal(failedStage(v.json.result), 'claims');
  assert.equal(stage(v.json.result, 'claims').cause, 'jwks-stale');
  assert.match(stage(v.json.result, 'claims').fix ?? '', /wif jwks sync/);

  const d = await j.wif(['jwks', 'diff', '--output', 'json'], dir);
  assert.equal(d.code, 1);
  assert.equal(d.json.ok, false);
  assert.equal(d.json.error.code, 'jwks.drift');
  const r = d.json.result;
  assert.equal(r.inSync, false);
  assert.deepEqual(r.stale, before.kids, 'the old key is uploaded but no longer served');
  assert.equal(r.missing.length, 1);
  const newKid = r.missing[0] as string;
  assert.deepEqual(r.clusterKeys, [newKid]);

  const text = await j.wif(['jwks', 'diff'], dir);
  assert.equal(text.code, 1);
  assert.match(text.stdout, new RegExp(`missing.*${newKid}`));
  assert.match(text.stderr, /hint: wif jwks sync/);

  let seq = lastSeq();
  const dry = await j.wif(['jwks', 'sync', '--dry-run', '--output', 'json'], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.json.result.dryRun, true);
  assert.deepEqual(dry.json.result.plan.steps.map((s: { action: string; fields?: string[] }) => [s.action, s.fields]), [['update', ['oidc.jwksJson']]]);
  assert.equal(patchesSince(seq).length, 0, '--dry-run sends no PATCH');

  seq = lastSeq();
  const s = await j.wif(['jwks', 'sync', '--yes', '--output', 'json'], dir);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(s.json.result.added, [newKid]);
  assert.deepEqual(s.json.result.kept, before.kids);
  const p = patchesSince(seq);
  assert.equal(p.length, 1);
  assert.equal(new URLSearchParams(p[0].query).get('updateMask'), 'oidc.jwksJson', 'the PATCH names only oidc.jwksJson');
  const now = await uploaded();
  assert.deepEqual(now.kids, [newKid, ...before.kids], 'the union: the served key, then the previously trusted one');

  assert.equal((await verify()).code, 0, 'verify passes after the sync');
  for (const k of JSON.parse(now.text).keys as { n: string }[]) assert.ok(!(text.stdout + text.stderr).includes(k.n.slice(0, 32)), 'diff text never shows key material');

  seq = lastSeq();
  const again = await j.wif(['jwks', 'sync', '--yes', '--output', 'json'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.json.result.changed, false);
  assert.equal(patchesSince(seq).length, 0, 'a second sync sends no PATCH');
  const after = await j.wif(['jwks', 'diff', '--output', 'json'], dir);
  assert.equal(after.code, 0, 'a stale key alone is not drift');
  assert.deepEqual(after.json.result.stale, before.kids);
});

test('keep-old rotation: sync uploads both served keys and keeps the older one; --prune drops only what is no longer served', async () => {
  const start = await uploaded();
  await rotate(true);
  const d = await j.wif(['jwks', 'diff', '--output', 'json'], dir);
  assert.equal(d.code, 1);
  const served = d.json.result.clusterKeys as string[];
  assert.equal(served.length, 2, 'keep-old: the cluster serves the previous key and the new one');
  const s = await j.wif(['jwks', 'sync', '--yes', '--output', 'json'], dir);
  assert.equal(s.code, 0, s.stderr);
  const union = (await uploaded()).kids;
  for (const k of served) assert.ok(union.includes(k), `served key ${k} uploaded`);
  const gone = start.kids.filter((k) => !served.includes(k));
  assert.equal(gone.length, 1);
  assert.ok(union.includes(gone[0]), 'the key no longer served is still trusted without --prune');
  assert.equal((await verify()).code, 0);

  const dp = await j.wif(['jwks', 'diff', '--prune', '--output', 'json'], dir);
  assert.equal(dp.code, 1, 'with --prune a stale key is drift');
  assert.equal(dp.json.error.code, 'jwks.drift');
  assert.match(dp.json.error.hint, /--prune/);
  const seq = lastSeq();
  const pr = await j.wif(['jwks', 'sync', '--prune', '--yes'], dir);
  assert.equal(pr.code, 0, pr.stderr);
  assert.match(pr.stderr, new RegExp(`warning: dropping key\\(s\\) ${gone[0]}.*until the kubelet refreshes`));
  assert.equal(patchesSince(seq).length, 1);
  assert.deepEqual((await uploaded()).kids.sort(), [...served].sort(), '--prune leaves exactly the served keys');
  assert.equal((await verify()).code, 0);
  assert.equal((await j.wif(['jwks', 'diff', '--prune'], dir)).code, 0);
});

test('in CI without --yes sync is a usage error naming --yes, and nothing changes', async () => {
  await rotate();
  const seq = lastSeq();
  const r = await j.wif(['jwks', 'sync', '--output', 'json'], dir);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'input.confirm-required');
  assert.match(r.json.error.hint, /--yes/);
  assert.equal(patchesSince(seq).length, 0);
  assert.equal((await j.wif(['jwks', 'sync', '--yes'], dir)).code, 0);
  assert.equal((await verify()).code, 0);
});

test("another cluster's keys are refused: the context's issuer is not the provider's", async () => {
  const seq = lastSeq();
  for (const cmd of [['jwks', 'diff'], ['jwks', 'sync', '--yes']]) {
    const r = await j.wif([...cmd, '--context', 'aks', '--output', 'json'], dir);
    assert.equal(r.code, 1, cmd.join(' '));
    assert.equal(r.json.error.code, 'jwks.wrong-cluster');
    assert.match(r.json.error.hint, /--context/);
  }
  assert.equal(patchesSince(seq).length, 0);
});

test('a public issuer (EKS): nothing is uploaded, Google fetches the keys itself; diff and sync exit 0 and change nothing', async () => {
  const w = j.workdir();
  const base = ['--context', 'eks', '--project', j.sandbox.project.id, '--pool', 'eks-pool', '--provider', 'eks-prov'];
  const e = await j.wif(['provider', 'ensure', ...base, '--allow-namespace', 'demo', '--yes'], w);
  assert.equal(e.code, 0, e.stderr);
  const d = await j.wif(['jwks', 'diff', ...base, '--output', 'json'], w);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.json.result.uploaded, false);
  const t = await j.wif(['jwks', 'diff', ...base], w);
  assert.match(t.stdout, /Google fetches the keys .* itself/);
  const seq = lastSeq();
  const s = await j.wif(['jwks', 'sync', ...base, '--yes', '--output', 'json'], w);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.json.result.changed, false);
  assert.equal(patchesSince(seq).length, 0);
});
