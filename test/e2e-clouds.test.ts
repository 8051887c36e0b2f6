import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedStage, stage, startJourney, type Journey } from './e2e-helpers.js';

/**
 * EKS (impersonation, public issuer, no JWKS upload), AKS (direct access) and GKE (its workload pool and GKE
 * principals), end to end against one sandbox; then a revoked grant, with and without --wait.
 */
let j: Journey;
before(async () => { j = await startJourney(); });
after(async () => j?.stop());

const SA = (p: string) => `app-runner@${p}.iam.gserviceaccount.com`;
let eksDir: string;

test('EKS: impersonation with a public issuer (no JWKS upload)', async () => {
  eksDir = j.workdir();
  const sa = SA(j.sandbox.project.id);
  const r = await j.wif(['init', '--yes', '--context', 'eks', '--ksa', 'backend/api', '--service-account', sa, '--create-service-account', '--role', 'roles/storage.objectViewer', '--apply-manifests', '--output', 'json'], eksDir);
  assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.json, null, 2)}`);
  const v = r.json.result.verify;
  assert.equal(stage(v, 'impersonation').status, 'passed');
  assert.equal(stage(v, 'pod').status, 'passed');
  assert.equal(stage(v, 'claims').detail.includes("issuer's JWKS"), true, stage(v, 'claims').detail);
  const yaml = readFileSync(join(eksDir, 'wif.yaml'), 'utf8');
  assert.match(yaml, /platform: eks/);
  assert.match(yaml, /jwksUploaded: false/);
  const cred = JSON.parse(readFileSync(join(eksDir, 'wif-out', 'credential-configuration.json'), 'utf8'));
  assert.match(cred.service_account_impersonation_url, new RegExp(`serviceAccounts/${sa}:generateAccessToken$`));
  const creates = j.sandbox.requests().filter((q) => q.method === 'POST' && /\/providers(\?|$)/.test(q.path));
  assert.equal(creates.length, 1);
});

test('AKS: direct access', async () => {
  const dir = j.workdir();
  const r = await j.wif(['init', '--yes', '--context', 'aks', '--ksa', 'payments/worker', '--role', 'roles/pubsub.subscriber', '--apply-manifests', '--output', 'json'], dir);
  assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.json, null, 2)}`);
  const v = r.json.result.verify;
  assert.equal(stage(v, 'grants').status, 'passed');
  assert.match(stage(v, 'grants').detail, /roles\/pubsub\.subscriber/);
  assert.equal(stage(v, 'pod').status, 'passed');
  assert.match(readFileSync(join(dir, 'wif.yaml'), 'utf8'), /platform: aks/);
});

test('GKE: the project workload pool and GKE principals, no pool or provider created', async () => {
  const dir = j.workdir();
  const before = j.sandbox.requests().length;
  const r = await j.wif(['init', '--yes', '--context', 'gke', '--ksa', 'backend/api', '--role', 'roles/storage.objectViewer', '--apply-manifests', '--output', 'json'], dir);
  assert.equal(r.code, 0, `${r.stderr}\n${JSON.stringify(r.json, null, 2)}`);
  const pool = `${j.sandbox.project.id}.svc.id.goog`;
  const grant = r.json.result.plan.steps.find((s: { kind: string }) => s.kind === 'iam-policy');
  assert.equal(grant.bindings[0].member, `principal://iam.googleapis.com/projects/${j.sandbox.project.number}/locations/global/workloadIdentityPools/${pool}/subject/ns/backend/sa/api`);
  assert.ok(!j.sandbox.requests().slice(before).some((q) => q.method === 'POST' && /workloadIdentityPools/.test(q.path)), 'no pool or provider is created on GKE');
  assert.ok(r.json.result.verify.stages.filter((s: { status: string }) => s.status !== 'skipped').every((s: { ok: boolean }) => s.ok));
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.equal(d.code, 0, JSON.stringify(d.json, null, 2));
});

test('verify names the impersonation stage after the grant is revoked', async () => {
  const sa = SA(j.sandbox.project.id);
  const rv = await j.wif(['revoke', '--ksa', 'backend/api', '--service-account', sa, '--yes'], eksDir);
  assert.equal(rv.code, 0, rv.stderr);
  const r = await j.wif(['verify', '--output', 'json'], eksDir);
  assert.equal(r.code, 1);
  assert.equal(failedStage(r.json.result), 'impersonation');
  const s = stage(r.json.result, 'impersonation');
  assert.equal(s.cause, 'missing-workload-identity-user');
  assert.match(s.fix!, new RegExp(`wif grant --ksa backend/api --service-account ${sa}`));
});

test('--wait retries only propagation errors: a grant landing meanwhile makes verify pass', async () => {
  const sa = SA(j.sandbox.project.id);
  const denied = () => j.sandbox.requests().filter((q) => q.path.endsWith(':generateAccessToken') && q.status === 403).length;
  const before = denied();
  const waiting = j.wif(['verify', '--wait', '60s', '--output', 'json'], eksDir);
  // Grant only once verify has been refused at least once, so the retry (not a lucky first try) is what passes.
  for (let i = 0; i < 600 && denied() === before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(denied() > before, 'verify reached the impersonation stage and was refused');
  const g = await j.wif(['grant', '--ksa', 'backend/api', '--service-account', sa, '--yes'], eksDir);
  assert.equal(g.code, 0, g.stderr);
  const r = await waiting;
  assert.equal(r.code, 0, JSON.stringify(r.json, null, 2));
  assert.match(stage(r.json.result, 'impersonation').detail, /after \d+ attempts/);
  const refused = await j.wif(['verify', '--ksa', 'default/default', '--wait', '60s', '--output', 'json'], eksDir);
  assert.equal(failedStage(refused.json.result), 'condition');
  assert.doesNotMatch(stage(refused.json.result, 'condition').detail, /attempts/, 'a refused KSA is not retried');
});
