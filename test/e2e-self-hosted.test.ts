import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedStage, stage, startJourney, type Journey } from './e2e-helpers.js';

/**
 * Self-hosted cluster (private issuer, JWKS uploaded, direct access), end to end against one sandbox:
 * the quick start as a user runs it (spawned bin, CI=1), then verify naming the failing stage for a KSA
 * the condition refuses, rotated cluster keys and a mismatched audience; doctor agrees.
 */
let j: Journey;
let dir: string;
before(async () => {
  j = await startJourney();
  dir = j.workdir();
});
after(async () => j?.stop());

test('wif init --yes (spawned bin, CI=1) sets up direct access with the JWKS uploaded, and verify passes', async () => {
  const r = await j.spawnWif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--apply-manifests', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const res = r.json.result;
  assert.ok(res.verify.stages.every((s: { ok: boolean }) => s.ok), JSON.stringify(res.verify.stages, null, 2));
  assert.equal(stage(res.verify, 'pod').status, 'passed', 'the in-pod gcloud check ran in the applied pod');
  assert.equal(stage(res.verify, 'grants').status, 'passed');
  assert.match(res.command, /^wif init --yes --context self-hosted .*--ksa demo\/app --role roles\/storage\.objectViewer/);
  const yaml = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  assert.match(yaml, /jwksUploaded: true/);
  for (const f of ['credential-configuration.json', 'configmap.yaml', 'serviceaccount.yaml', 'pod.yaml']) assert.ok(existsSync(join(dir, 'wif-out', f)), f);
  const provider = await j.google('GET', `v1/projects/${j.sandbox.project.id}/locations/global/workloadIdentityPools/${/id: (\S+)/.exec(yaml.split('pool:')[1])![1]}/providers/${/id: (\S+)/.exec(yaml.split('provider:')[1])![1]}`);
  assert.ok(provider.json.oidc.jwksJson, 'the private issuer\'s JWKS was uploaded');
  assert.ok(!r.stdout.includes(j.sandbox.ownerToken) && !/ya29\.[A-Za-z0-9._-]{20,}/.test(r.stdout + r.stderr), 'no token printed without --print-token');
});

test('a second identical init changes nothing', async () => {
  const r = await j.wif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--no-verify', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.result.changed, false);
});

test('wif verify needs no flags after init, and --print-token prints the token', async () => {
  const r = await j.wif(['verify', '--print-token', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.json.result.accessToken.token, /^ya29\./);
});

test('verify names the condition stage for a KSA the condition refuses', async () => {
  const r = await j.wif(['verify', '--ksa', 'default/default', '--output', 'json'], dir);
  assert.equal(r.code, 1);
  assert.equal(r.json.ok, false);
  assert.equal(failedStage(r.json.result), 'condition');
  const s = stage(r.json.result, 'condition');
  assert.equal(s.cause, 'condition-refused');
  assert.match(s.detail, /default:default/);
  assert.match(s.fix!, /--allow-ksa default\/default/);
  assert.equal(stage(r.json.result, 'sts').status, 'skipped');
  assert.equal(r.json.error.code, 'verify.condition-refused');
});

test('verify names the claims stage for a mismatched audience, and doctor reports it', async () => {
  const yaml = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  const pool = /id: (\S+)/.exec(yaml.split('pool:')[1])![1];
  const prov = /id: (\S+)/.exec(yaml.split('provider:')[1])![1];
  const path = `v1/projects/${j.sandbox.project.id}/locations/global/workloadIdentityPools/${pool}/providers/${prov}`;
  const patched = await j.google('PATCH', `${path}?updateMask=oidc.allowedAudiences`, { oidc: { allowedAudiences: ['sts.googleapis.com'] } });
  assert.equal(patched.status, 200, patched.text);
  const r = await j.wif(['verify', '--output', 'json'], dir);
  assert.equal(r.code, 1);
  assert.equal(failedStage(r.json.result), 'claims');
  assert.equal(stage(r.json.result, 'claims').cause, 'audience-mismatch');
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.equal(d.code, 1);
  assert.ok(d.json.result.findings.some((f: { check: string; severity: string }) => f.check === 'audience' && f.severity === 'error'), JSON.stringify(d.json.result.findings));
  await j.google('PATCH', `${path}?updateMask=oidc.allowedAudiences`, { oidc: { allowedAudiences: [] } });
});

test('doctor finds nothing wrong with a healthy setup', async () => {
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.equal(d.code, 0, JSON.stringify(d.json, null, 2));
});

test('verify names the claims stage after the cluster rotates its keys (stale uploaded JWKS)', async () => {
  j.sandbox.rotateKeys('self-hosted');
  const r = await j.wif(['verify', '--output', 'json'], dir);
  assert.equal(r.code, 1);
  assert.equal(failedStage(r.json.result), 'claims');
  const s = stage(r.json.result, 'claims');
  assert.equal(s.cause, 'jwks-stale');
  assert.match(s.fix!, /wif jwks sync/);
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.ok(d.json.result.findings.some((f: { check: string; severity: string }) => f.check === 'jwks' && f.severity === 'error'));
});
