/**
 * `wif grant` / `wif revoke` against the sandbox: batching (200 KSAs = one read-modify-write), idempotence counted
 * in the request log, conditional bindings preserved, impersonation with --create-service-account, GKE principal
 * forms, refusals before any request, and gcloud seeing exactly the bindings wif reports.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { googleHarness, type GoogleHarness } from './google-harness.js';

let h: GoogleHarness;
let cwd: string; // holds a wif.yaml with pool + provider (kubernetes mapping)
let subjectOnly: string; // a wif.yaml whose provider maps only google.subject
let P: string; // principal prefix of the pool

before(async () => {
  h = await googleHarness();
  cwd = h.workdir();
  subjectOnly = h.workdir();
  const [a, b] = await Promise.all([
    h.wif(['provider', 'ensure', '--pool', 'grant-pool', '--provider', 'k8s-prov', '--issuer-uri', 'https://issuer.example.com', '--mapping-preset', 'kubernetes', '--allow-namespace', 'apps', '--yes'], { cwd }),
    h.wif(['provider', 'ensure', '--pool', 'subj-pool', '--provider', 'k8s-prov', '--issuer-uri', 'https://issuer.example.com', '--allow-namespace', 'apps', '--yes'], { cwd: subjectOnly }),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  P = `principal://iam.googleapis.com/projects/${h.sb.project.number}/locations/global/workloadIdentityPools/grant-pool/subject/system:serviceaccount:`;
});
after(async () => { await h?.close(); });

const policyCalls = (since: number) => h.requests(since).filter((r) => /:(get|set)IamPolicy$/.test(r.path)).map((r) => `${r.method} ${r.path.replace(/.*:/, '')}`);

async function projectPolicy(): Promise<{ bindings: { role: string; members: string[]; condition?: unknown }[]; version: number }> {
  const g = await h.gcloud('projects', 'get-iam-policy', h.sb.project.id, '--format=json');
  assert.equal(g.code, 0, g.stderr);
  return JSON.parse(g.stdout);
}

test('200 KSAs in one call cost one getIamPolicy + one setIamPolicy, every binding present (gcloud agrees); a re-run makes no setIamPolicy', async () => {
  const ksas = Array.from({ length: 200 }, (_, i) => ['--ksa', `batch/ksa-${i}`]).flat();
  const s1 = h.mark();
  const small = await h.wif(['grant', '--ksa', 'batch/solo', '--role', 'roles/logging.logWriter', '--yes', '--json'], { cwd });
  assert.equal(small.code, 0, small.stderr);
  const smallCalls = policyCalls(s1);

  const s2 = h.mark();
  const r = await h.wif(['grant', ...ksas, '--role', 'roles/storage.objectViewer', '--yes', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(policyCalls(s2), ['POST getIamPolicy', 'POST setIamPolicy']);
  assert.deepEqual(policyCalls(s2), smallCalls, 'the same cost for 1 KSA and for 200');
  assert.equal(r.json.result.applied[0].bindings.length, 200);

  const policy = await projectPolicy();
  const viewers = policy.bindings.find((b) => b.role === 'roles/storage.objectViewer' && !b.condition)!.members;
  for (let i = 0; i < 200; i++) assert.ok(viewers.includes(`${P}batch:ksa-${i}`), `ksa-${i}`);
  assert.ok(policy.bindings.some((b) => b.role === 'roles/owner'), 'existing bindings kept');

  const s3 = h.mark();
  const again = await h.wif(['grant', ...ksas, '--role', 'roles/storage.objectViewer', '--yes'], { cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /all 200 bindings are already present/);
  assert.match(again.stdout, /Nothing to change/);
  assert.deepEqual(h.mutating(s3), []);
  assert.match(readFileSync(join(cwd, 'wif.yaml'), 'utf8'), /ksa: batch\/ksa-199/);
});

test('conditional and foreign bindings survive grant and revoke (version 3, etag)', async () => {
  const cur = (await h.api('POST', `/v1/projects/${h.sb.project.id}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).json;
  const condition = { title: 'until 2030', expression: "request.time < timestamp('2030-01-01T00:00:00Z')" };
  const cond = { role: 'roles/storage.objectViewer', members: [`${P}cond:keep`], condition };
  const set = await h.api('POST', `/v1/projects/${h.sb.project.id}:setIamPolicy`, { policy: { ...cur, version: 3, bindings: [...cur.bindings, cond] } });
  assert.equal(set.status, 200, set.text);

  assert.equal((await h.wif(['grant', '--ksa', 'cond/new', '--role', 'roles/storage.objectViewer', '--yes'], { cwd })).code, 0);
  assert.equal((await h.wif(['revoke', '--ksa', 'cond/new', '--role', 'roles/storage.objectViewer', '--yes'], { cwd })).code, 0);
  // wif never touches conditional bindings, even for revoke of the same member
  assert.equal((await h.wif(['revoke', '--ksa', 'cond/keep', '--yes'], { cwd })).code, 0);
  const after = (await h.api('POST', `/v1/projects/${h.sb.project.id}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).json;
  assert.equal(after.version, 3);
  assert.deepEqual(after.bindings.find((b: any) => b.condition), cond);
  assert.ok(!JSON.stringify(after).includes(`${P}cond:new`));
});

test('impersonation: --create-service-account, workloadIdentityUser on the SA, the role on the project for the SA; re-run and revoke', async () => {
  const sa = `wif-imp@${h.sb.project.id}.iam.gserviceaccount.com`;
  const args = ['--namespace', 'apps', '--ksa', 'apps/api', '--service-account', sa, '--role', 'roles/pubsub.subscriber'];
  const r = await h.wif(['grant', ...args, '--create-service-account', '--yes', '--json'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.result.plan.steps.map((s: any) => `${s.action} ${s.resource}`), [
    `create serviceAccounts/${sa}`, `update serviceAccounts/${sa}`, `update projects/${h.sb.project.id}`]);

  const g = await h.gcloud('iam', 'service-accounts', 'get-iam-policy', sa, '--format=json');
  assert.equal(g.code, 0, g.stderr);
  const wiu = JSON.parse(g.stdout).bindings.find((b: any) => b.role === 'roles/iam.workloadIdentityUser').members.sort();
  assert.deepEqual(wiu, [`${P}apps:api`, `principalSet://iam.googleapis.com/projects/${h.sb.project.number}/locations/global/workloadIdentityPools/grant-pool/attribute.namespace/apps`].sort());
  assert.ok((await projectPolicy()).bindings.find((b) => b.role === 'roles/pubsub.subscriber')!.members.includes(`serviceAccount:${sa}`));

  const s = h.mark();
  const again = await h.wif(['grant', ...args, '--create-service-account', '--yes'], { cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(h.mutating(s), []);

  const rv = await h.wif(['revoke', ...args, '--yes', '--json'], { cwd });
  assert.equal(rv.code, 0, rv.stderr);
  const sap = (await h.api('POST', `/v1/projects/${h.sb.project.id}/serviceAccounts/${sa}:getIamPolicy`)).json;
  assert.ok(!sap.bindings?.length, 'every workloadIdentityUser binding removed');
  assert.ok(!JSON.stringify((await projectPolicy()).bindings).includes(`serviceAccount:${sa}`));
  assert.doesNotMatch(readFileSync(join(cwd, 'wif.yaml'), 'utf8'), /wif-imp@/);
});

test('GKE: the workload pool PROJECT_ID.svc.id.goog principal forms, no pool or provider needed', async () => {
  const r = await h.wif(['grant', '--platform', 'gke', '--ksa', 'team/app', '--namespace', 'team', '--role', 'roles/monitoring.viewer', '--yes', '--json'], { cwd: h.workdir() });
  assert.equal(r.code, 0, r.stderr);
  const pool = `principal://iam.googleapis.com/projects/${h.sb.project.number}/locations/global/workloadIdentityPools/${h.sb.project.id}.svc.id.goog`;
  assert.deepEqual(r.json.result.members, [`${pool}/subject/ns/team/sa/app`, `${pool.replace('principal:', 'principalSet:')}/namespace/team`]);
  const members = (await projectPolicy()).bindings.find((b) => b.role === 'roles/monitoring.viewer')!.members;
  assert.deepEqual(members.sort(), [...r.json.result.members].sort());
});

test('refusals: basic roles and pool-wide sets before any request; a namespace set the mapping cannot match after reading the provider', async () => {
  const s1 = h.mark();
  for (const argv of [['--ksa', 'a/b', '--role', 'roles/editor'], ['--namespace', '*', '--role', 'roles/logging.logWriter']]) {
    const r = await h.wif(['grant', ...argv, '--yes', '--json'], { cwd });
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.json.error.hint, /--force/);
  }
  assert.deepEqual(h.requests(s1), [], 'refused before any API call');

  const s2 = h.mark();
  const ns = await h.wif(['grant', '--namespace', 'apps', '--role', 'roles/logging.logWriter', '--yes', '--json'], { cwd: subjectOnly });
  assert.equal(ns.code, 2);
  assert.match(ns.json.error.message, /attribute\.namespace/);
  assert.deepEqual(h.mutating(s2), []);
});
