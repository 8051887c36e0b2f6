/**
 * Real credential clients against the sandbox: google-auth-library (Node) exchanging a signed KSA-like
 * JWT through a cred-config file whose token_url / service_account_impersonation_url point at the sandbox
 * (direct and impersonated), and Python google-auth inside gcloud (`auth login --cred-file` +
 * `auth print-access-token`), research/gcp-api.md §7.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleAuth } from 'google-auth-library';
import {
  createPoolAndProvider, ksaClaims, makeKey, mintJwt, PROJECT, providerAudience, SELF_ISSUER, startSandbox, type Sandbox, type TestKey,
} from './sandbox-google-harness.js';

let sb: Sandbox;
let dir: string;
let kube: TestKey;
const POOL = `iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube`;
const AUD = `https://${POOL}/providers/prov`;
const SA = `app-sa@${PROJECT.id}.iam.gserviceaccount.com`;

async function addBinding(path: string, member: string, role: string, versionInBody: boolean) {
  const p = versionInBody
    ? (await sb.call('POST', `${path}:getIamPolicy`, { body: { options: { requestedPolicyVersion: 3 } } })).json
    : (await sb.call('POST', `${path}:getIamPolicy?options.requestedPolicyVersion=3`)).json;
  const r = await sb.call('POST', `${path}:setIamPolicy`, { body: { policy: { ...p, version: 3, bindings: [...(p.bindings ?? []), { role, members: [member] }] } } });
  assert.equal(r.status, 200, r.text);
}

before(async () => {
  sb = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'sbg-authlib-'));
  kube = await makeKey('RS256', 'kube-key');
  sb.issuers.set(SELF_ISSUER, [kube]);
  await createPoolAndProvider(sb, 'kube', 'prov', {
    attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']" },
    attributeCondition: "assertion['kubernetes.io']['namespace'] in ['default', 'direct']",
    oidc: { issuerUri: SELF_ISSUER },
  });
  await sb.call('POST', `/v1/projects/${PROJECT.id}/serviceAccounts`, { body: { accountId: 'app-sa', serviceAccount: {} } });
  await addBinding(`/v1/projects/${PROJECT.id}/serviceAccounts/${SA}`, `principal://${POOL}/subject/system:serviceaccount:default:app`, 'roles/iam.workloadIdentityUser', false);
  await addBinding(`/v1/projects/${PROJECT.id}`, `serviceAccount:${SA}`, 'roles/viewer', true);
  await addBinding(`/v1/projects/${PROJECT.id}`, `principalSet://${POOL}/attribute.namespace/direct`, 'roles/browser', true);
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

async function credConfig(name: string, ns: string, impersonate: boolean, aud = AUD): Promise<string> {
  const tokenFile = join(dir, `${name}.jwt`);
  writeFileSync(tokenFile, await mintJwt(kube, ksaClaims(SELF_ISSUER, aud, ns, 'app')));
  const cfg: Record<string, unknown> = {
    universe_domain: 'googleapis.com', type: 'external_account', audience: providerAudience('kube', 'prov'),
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', token_url: `${sb.base}v1/token`,
    credential_source: { file: tokenFile, format: { type: 'text' } },
  };
  if (impersonate) cfg.service_account_impersonation_url = `${sb.base}v1/projects/-/serviceAccounts/${SA}:generateAccessToken`;
  else cfg.token_info_url = `${sb.base}v1/introspect`;
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

const clientFor = (keyFilename: string) => new GoogleAuth({ keyFilename, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }).getClient();

test('google-auth-library, direct access: federated token reads the project through its principalSet grant', async () => {
  const client = await clientFor(await credConfig('direct', 'direct', false));
  const { token } = await client.getAccessToken();
  assert.match(token ?? '', /^ya29\.d\./);
  const res = await client.request<{ projectId: string }>({ url: `${sb.base}v1/projects/${PROJECT.id}` });
  assert.equal(res.data.projectId, PROJECT.id);
  await assert.rejects(client.request({ url: `${sb.base}v1/projects/${PROJECT.id}:setIamPolicy`, method: 'POST', data: { policy: {} } }), (e: { status?: number }) => e.status === 403);
});

test('google-auth-library, impersonated: STS then generateAccessToken; the SA token carries the SA\'s roles', async () => {
  const client = await clientFor(await credConfig('imp', 'default', true));
  const { token } = await client.getAccessToken();
  assert.match(token ?? '', /^ya29\.c\./);
  const res = await client.request<{ bindings: unknown[] }>({ url: `${sb.base}v1/projects/${PROJECT.id}:getIamPolicy`, method: 'POST', data: {} });
  assert.ok(res.data.bindings.length >= 3);
});

test('google-auth-library surfaces Google\'s STS and IAM Credentials errors', async () => {
  const wrongAud = await clientFor(await credConfig('wrong-aud', 'default', true, 'some-other-aud'));
  await assert.rejects(wrongAud.getAccessToken(), /Error code invalid_grant: The audience in ID Token \[some-other-aud\] does not match the expected audience\./);
  const rejected = await clientFor(await credConfig('cond', 'kube-system', true));
  await assert.rejects(rejected.getAccessToken(), /Error code unauthorized_client: The given credential is rejected by the attribute condition\./);
  const noBinding = await clientFor(await credConfig('nobind', 'direct', true));
  await assert.rejects(noBinding.getAccessToken(), /Permission 'iam\.serviceAccounts\.getAccessToken' denied on resource \(or it may not exist\)\./);
});

test('Python google-auth in gcloud: auth login --cred-file, then print-access-token impersonates the SA', async () => {
  const cfg = await credConfig('py', 'default', true);
  const env = {
    PATH: process.env.PATH, HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true', CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
  };
  const run = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('/usr/bin/gcloud', args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  });
  const login = await run('auth', 'login', `--cred-file=${cfg}`);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, new RegExp(`Authenticated with external account credentials for: \\[${SA.replace(/\./g, '\\.')}\\]`));
  const tok = await run('auth', 'print-access-token');
  assert.equal(tok.code, 0, tok.stderr);
  assert.match(tok.stdout.trim(), /^ya29\.c\./);
});
