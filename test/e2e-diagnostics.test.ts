import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubectl } from '../src/cloud/kube/kubectl.js';
import { exchange, stsOnly } from '../src/commands/verify-exchange.js';
import { credConfigObject } from '../src/render/cred-config.js';
import { providerAudienceHttps, type ProviderRef } from '../src/plan/names.js';
import { diagnoseImpersonation, diagnoseSts, toGoogleFailure, type Cause } from '../src/plan/verify-errors.js';
import { failedStage, stage, startJourney, type Journey } from './e2e-helpers.js';

/**
 * The error mapping on real failures: google-auth-library (the workload's code path) against the sandbox's
 * STS and IAM Credentials, whose error bodies are Google's (research/gcp-api.md §3.3, §4.1). Then doctor's
 * least-privilege lint and a soft-deleted pool, with verify naming the stage.
 */
let j: Journey;
let dir: string;
let ref: ProviderRef;
let k: Kubectl;
const fix = { ksa: 'default/default', jwksUploaded: true };

before(async () => {
  j = await startJourney();
  dir = j.workdir();
  const r = await j.wif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'default/default', '--role', 'roles/storage.objectViewer', '--no-verify', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const yaml = readFileSync(join(dir, 'wif.yaml'), 'utf8');
  ref = { projectNumber: j.sandbox.project.number, poolId: /id: (\S+)/.exec(yaml.split('pool:')[1])![1], providerId: /id: (\S+)/.exec(yaml.split('provider:')[1])![1] };
  k = new Kubectl({ context: 'self-hosted', env: j.env, cwd: dir });
});
after(async () => j?.stop());

const config = (over: Partial<ProviderRef> = {}, serviceAccount?: string) => credConfigObject({ provider: { ...ref, ...over }, tokenPath: '/t', serviceAccount, endpoint: j.sandbox.googleUrl }) as Record<string, unknown>;
const mint = async (ns: string, name: string, aud = providerAudienceHttps(ref)) => (await k.createToken(ns, name, { audiences: [aud] })).token;

async function stsCause(cfg: Record<string, unknown>, token: string): Promise<Cause | 'ok'> {
  try {
    await exchange(stsOnly(cfg), token, j.env);
    return 'ok';
  } catch (e) {
    return diagnoseSts(toGoogleFailure(e), fix).cause;
  }
}

test('STS failures through google-auth-library map to their causes', async () => {
  const good = await mint('default', 'default');
  assert.equal(await stsCause(config(), good), 'ok');
  assert.equal(await stsCause(config(), await mint('default', 'default', 'sts.googleapis.com')), 'audience-mismatch');
  assert.equal(await stsCause(config(), await mint('kube-system', 'default')), 'condition-refused');
  assert.equal(await stsCause(config({ providerId: 'no-such-provider' }), good), 'provider-missing');
  const path = `v1/projects/${j.sandbox.project.id}/locations/global/workloadIdentityPools/${ref.poolId}/providers/${ref.providerId}`;
  const issuer = (await j.google('GET', path)).json.oidc.issuerUri;
  assert.equal((await j.google('PATCH', `${path}?updateMask=oidc.issuerUri`, { oidc: { issuerUri: 'https://issuer.example.com' } })).status, 200);
  assert.equal(await stsCause(config(), good), 'issuer-mismatch');
  await j.google('PATCH', `${path}?updateMask=oidc.issuerUri`, { oidc: { issuerUri: issuer } });
});

test('IAM Credentials refusal through google-auth-library maps to a missing workloadIdentityUser', async () => {
  const sa = `nobody-here@${j.sandbox.project.id}.iam.gserviceaccount.com`;
  try {
    await exchange(config({}, sa), await mint('default', 'default'), j.env);
    assert.fail('impersonating a service account without roles/iam.workloadIdentityUser must fail');
  } catch (e) {
    const d = diagnoseImpersonation(toGoogleFailure(e), { ...fix, serviceAccount: sa });
    assert.equal(d.cause, 'missing-workload-identity-user');
    assert.equal(d.propagation, true);
  }
});

test('doctor lints a pool-wide principal set and a basic role granted out of band, as warnings', async () => {
  const crm = `v1/projects/${j.sandbox.project.id}`;
  const policy = (await j.google('POST', `${crm}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).json;
  const everyone = `principalSet://iam.googleapis.com/projects/${ref.projectNumber}/locations/global/workloadIdentityPools/${ref.poolId}/*`;
  const edited = { ...policy, bindings: [...(policy.bindings ?? []), { role: 'roles/viewer', members: [everyone] }] };
  assert.equal((await j.google('POST', `${crm}:setIamPolicy`, { policy: edited })).status, 200);
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.equal(d.code, 0, JSON.stringify(d.json, null, 2));
  const lint = d.json.result.findings.filter((f: { check: string }) => f.check === 'least-privilege');
  assert.ok(lint.some((f: { message: string }) => /every identity of every provider/.test(f.message)), JSON.stringify(lint));
  assert.ok(lint.some((f: { message: string }) => /basic role roles\/viewer/.test(f.message)), JSON.stringify(lint));
  const now = (await j.google('POST', `${crm}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } })).json;
  await j.google('POST', `${crm}:setIamPolicy`, { policy: { ...now, bindings: now.bindings.filter((b: { role: string }) => b.role !== 'roles/viewer') } });
});

test('a soft-deleted pool: verify names the claims stage and doctor offers the undelete', async () => {
  const del = await j.google('DELETE', `v1/projects/${j.sandbox.project.id}/locations/global/workloadIdentityPools/${ref.poolId}`);
  assert.equal(del.status, 200, del.text);
  const v = await j.wif(['verify', '--output', 'json'], dir);
  assert.equal(v.code, 1);
  assert.equal(failedStage(v.json.result), 'claims');
  assert.equal(stage(v.json.result, 'claims').cause, 'provider-disabled');
  const d = await j.wif(['doctor', '--output', 'json'], dir);
  assert.equal(d.code, 1);
  const f = d.json.result.findings.find((x: { check: string }) => x.check === 'pool');
  assert.match(f.message, /soft-deleted/);
  assert.match(f.fix, /wif pool ensure/);
  const fixed = await j.wif(['pool', 'ensure', '--yes'], dir);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal((await j.wif(['verify'], dir)).code, 0);
});

test('rotated keys: STS itself refuses the unknown kid, and the mapping says stale JWKS', async () => {
  j.sandbox.rotateKeys('self-hosted');
  assert.equal(await stsCause(config(), await mint('default', 'default')), 'jwks-stale');
});
