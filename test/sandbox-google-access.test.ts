import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createPoolAndProvider, ksaClaims, makeKey, mintJwt, poolsPath, PROJECT, providerAudience, SELF_ISSUER, startSandbox, stsForm,
  type Sandbox, type TestKey,
} from './sandbox-google-harness.js';

let sb: Sandbox;
let kube: TestKey;
const POOL = `iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube`;
const AUD = `https://${POOL}/providers/prov`;
const SA = `wif-sa@${PROJECT.id}.iam.gserviceaccount.com`;
const GAT = (sa = SA, project = '-') => `/v1/projects/${project}/serviceAccounts/${sa}:generateAccessToken`;
const DENIED = {
  error: {
    code: 403, message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", status: 'PERMISSION_DENIED',
    details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission: 'iam.serviceAccounts.getAccessToken' } }],
  },
};

before(async () => {
  sb = await startSandbox();
  kube = await makeKey('RS256', 'kube-key');
  sb.issuers.set(SELF_ISSUER, [kube]);
  await createPoolAndProvider(sb, 'kube', 'prov', {
    attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']" },
    oidc: { issuerUri: SELF_ISSUER },
  });
  const r = await sb.call('POST', `/v1/projects/${PROJECT.id}/serviceAccounts`, { body: { accountId: 'wif-sa', serviceAccount: {} } });
  assert.equal(r.status, 200);
});
after(() => sb.close());

async function federated(ns = 'default', ksa = 'app'): Promise<string> {
  const r = await sb.call('POST', '/v1/token', { token: null, form: stsForm(providerAudience('kube', 'prov'), await mintJwt(kube, ksaClaims(SELF_ISSUER, AUD, ns, ksa))) });
  assert.equal(r.status, 200, r.text);
  return r.json.access_token;
}

async function grantOnSa(member: string, role = 'roles/iam.workloadIdentityUser') {
  const base = `/v1/projects/${PROJECT.id}/serviceAccounts/${SA}`;
  const p = (await sb.call('POST', `${base}:getIamPolicy?options.requestedPolicyVersion=3`)).json;
  const bindings = [...(p.bindings ?? []), { role, members: [member] }];
  const r = await sb.call('POST', `${base}:setIamPolicy`, { body: { policy: { ...p, bindings, version: 3 } } });
  assert.equal(r.status, 200, r.text);
}

async function grantOnProject(member: string, role: string) {
  const p = (await sb.call('POST', `/v1/projects/${PROJECT.id}:getIamPolicy`, { body: { options: { requestedPolicyVersion: 3 } } })).json;
  const r = await sb.call('POST', `/v1/projects/${PROJECT.id}:setIamPolicy`, { body: { policy: { ...p, bindings: [...p.bindings, { role, members: [member] }], version: 3 } } });
  assert.equal(r.status, 200, r.text);
}

const body = { delegates: null, scope: ['https://www.googleapis.com/auth/cloud-platform'], lifetime: '3600s' };

test('generateAccessToken: 403 body until the subject principal holds workloadIdentityUser; nonexistent SA → same 403', async () => {
  const tok = await federated('default', 'app');
  const before = await sb.call('POST', GAT(), { token: tok, body });
  assert.equal(before.status, 403);
  assert.deepEqual(before.json, DENIED);
  assert.deepEqual((await sb.call('POST', GAT(`ghost-sa@${PROJECT.id}.iam.gserviceaccount.com`), { token: tok, body })).json, DENIED);
  await grantOnSa(`principal://${POOL}/subject/system:serviceaccount:default:app`);
  const r = await sb.call('POST', GAT(), { token: tok, body });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.accessToken, /^ya29\.c\./);
  assert.match(r.json.expireTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(r.json.expireTime) - Date.now() - 3600_000) < 5000);
  assert.deepEqual((await sb.call('POST', GAT(), { token: await federated('default', 'other'), body })).json, DENIED);
});

test('principal sets: attribute.namespace and pool-wide *; unique id addressing', async () => {
  const tok = await federated('team-a', 'svc');
  assert.equal((await sb.call('POST', GAT(), { token: tok, body })).status, 403);
  await grantOnSa(`principalSet://${POOL}/attribute.namespace/team-a`);
  assert.equal((await sb.call('POST', GAT(), { token: tok, body })).status, 200);
  const other = await federated('team-b', 'svc');
  assert.equal((await sb.call('POST', GAT(), { token: other, body })).status, 403);
  await grantOnSa(`principalSet://${POOL}/*`);
  const sa = (await sb.call('GET', `/v1/projects/-/serviceAccounts/${SA}`)).json;
  assert.equal((await sb.call('POST', GAT(sa.uniqueId), { token: other, body })).status, 200);
});

test('lifetime, scope and name rules', async () => {
  const tok = await federated('default', 'app');
  const call = (b: object, path = GAT()) => sb.call('POST', path, { token: tok, body: b });
  assert.equal((await call({ ...body, lifetime: '0s' })).json.error.message, 'Lifetime of access token must be larger then zero.');
  const long = await call({ ...body, lifetime: '3601s' });
  assert.equal(long.status, 400);
  assert.match(long.json.error.message, /can not have lifetimes of more than 1 hour\. Use the Org Policy Constraint constraints\/iam\.allowServiceAccountCredentialLifetimeExtension to allow up to 12 hours\.$/);
  assert.match((await call({ ...body, lifetime: '3600' })).json.error.message, /Illegal duration format; duration must end with 's'$/);
  const short = await call({ ...body, lifetime: '1s' });
  assert.equal(short.status, 200);
  assert.equal((await call({ ...body, scope: [] })).status, 400);
  assert.equal((await call({ ...body, scope: [''] })).status, 200);
  assert.equal((await call({ ...body, scope: ['bogus'] })).status, 400);
  assert.equal((await call({ scope: body.scope })).status, 200);
  assert.equal((await call(body, GAT(SA, PROJECT.id))).status, 400);
  assert.equal((await call({ ...body, extra: 1 })).status, 400);
  assert.equal((await sb.call('POST', GAT(), { token: null, body })).status, 401);
});

test('owners need serviceAccountTokenCreator to impersonate; the SA token is a bearer with the SA\'s own roles', async () => {
  const denied = await sb.call('POST', GAT(), { body });
  assert.deepEqual(denied.json, DENIED);
  await grantOnSa('user:owner@example.com', 'roles/iam.serviceAccountTokenCreator');
  const r = await sb.call('POST', GAT(), { body });
  assert.equal(r.status, 200, r.text);
  const saToken = r.json.accessToken;
  const read = () => sb.call('POST', `/v1/projects/${PROJECT.id}:getIamPolicy`, { token: saToken, body: {} });
  assert.deepEqual((await read()).json.error, { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' });
  await grantOnProject(`serviceAccount:${SA}`, 'roles/viewer');
  assert.equal((await read()).status, 200);
  const p = (await read()).json;
  assert.equal((await sb.call('POST', `/v1/projects/${PROJECT.id}:setIamPolicy`, { token: saToken, body: { policy: p } })).status, 403);
  assert.equal((await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=sa-made`, { token: saToken, body: {} })).status, 403);
});

test('direct resource access with a federated token: only what its principal is granted; never IAM administration', async () => {
  const tok = await federated('direct', 'reader');
  const get = () => sb.call('GET', `/v1/projects/${PROJECT.id}`, { token: tok });
  assert.equal((await get()).status, 403);
  await grantOnProject(`principalSet://${POOL}/attribute.namespace/direct`, 'roles/browser');
  assert.equal((await get()).status, 200);
  const p = await sb.call('POST', `/v3/projects/${PROJECT.number}:getIamPolicy`, { token: tok, body: {} });
  assert.equal(p.status, 200);
  assert.equal((await sb.call('POST', `/v3/projects/${PROJECT.number}:setIamPolicy`, { token: tok, body: { policy: p.json } })).status, 403);
  assert.equal((await sb.call('GET', poolsPath(), { token: tok })).status, 403);
  const perms = await sb.call('POST', `/v1/projects/${PROJECT.id}:testIamPermissions`, { token: tok, body: { permissions: ['resourcemanager.projects.get', 'resourcemanager.projects.setIamPolicy'] } });
  assert.deepEqual(perms.json, { permissions: ['resourcemanager.projects.get'] });
  // Disabling the pool stops existing tokens from granting access; deleting a provider does not.
  await sb.call('PATCH', `${poolsPath()}/kube?updateMask=disabled`, { body: { disabled: true } });
  assert.equal((await get()).status, 403);
  await sb.call('PATCH', `${poolsPath()}/kube?updateMask=disabled`, { body: { disabled: false } });
  await sb.call('DELETE', `${poolsPath()}/kube/providers/prov`);
  assert.equal((await get()).status, 200);
  await sb.call('POST', `${poolsPath()}/kube/providers/prov:undelete`, { body: {} });
});

test('an expired federated token is a 401 ACCESS_TOKEN_EXPIRED', async () => {
  const tok = await federated('default', 'app');
  sb.clock.offsetMs = 2 * 3600_000;
  try {
    const r = await sb.call('POST', GAT(), { token: tok, body });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.details[0].reason, 'ACCESS_TOKEN_EXPIRED');
  } finally {
    sb.clock.offsetMs = 0;
  }
});

test('Service Usage: get, enable (noop when enabled), disable, batchEnable limits, operations', async () => {
  const svc = (s: string) => `/v1/projects/${PROJECT.id}/services/${s}`;
  const g = await sb.call('GET', svc('iam.googleapis.com'));
  assert.equal(g.json.state, 'ENABLED');
  assert.equal(g.json.name, `projects/${PROJECT.number}/services/iam.googleapis.com`);
  assert.equal((await sb.call('GET', svc('storage.googleapis.com'))).json.state, 'DISABLED');
  const noop = await sb.call('POST', `${svc('sts.googleapis.com')}:enable`, { body: {} });
  assert.equal(noop.json.name, 'operations/noop.DONE_OPERATION');
  assert.equal(noop.json.done, true);
  assert.equal((await sb.call('GET', '/v1/operations/noop.DONE_OPERATION')).status, 400);
  const en = await sb.call('POST', `${svc('storage.googleapis.com')}:enable`, { body: {} });
  assert.match(en.json.name, new RegExp(`^operations/acat\\.p2-${PROJECT.number}-`));
  assert.equal(en.json.response.service.state, 'ENABLED');
  assert.equal((await sb.call('GET', `/v1/${en.json.name}`)).json.done, true);
  const dis = await sb.call('POST', `${svc('sts.googleapis.com')}:disable`, { body: {} });
  assert.equal(dis.status, 200);
  const stsOff = await sb.call('POST', '/v1/token', { token: null, form: stsForm(providerAudience('kube', 'prov'), 'x') });
  assert.equal(stsOff.json.error.details[0].reason, 'SERVICE_DISABLED');
  const batch = await sb.call('POST', `/v1/projects/${PROJECT.id}/services:batchEnable`, { body: { serviceIds: ['sts.googleapis.com', 'iam.googleapis.com'] } });
  assert.match(batch.json.name, /^operations\/acat/);
  assert.equal(batch.json.response.services.length, 2);
  const many = Array.from({ length: 21 }, () => 'iam.googleapis.com');
  assert.equal((await sb.call('POST', `/v1/projects/${PROJECT.id}/services:batchEnable`, { body: { serviceIds: many } })).status, 400);
  const unknown = await sb.call('POST', `${svc('nope.googleapis.com')}:enable`, { body: {} });
  assert.equal(unknown.json.error.message, 'Not found or permission denied for service(s): nope.googleapis.com.');
});

test('GKE container clusters.get: workloadIdentityConfig, versions; 404 body otherwise', async () => {
  const r = await sb.call('GET', `/v1/projects/${PROJECT.id}/locations/us-central1/clusters/demo-gke?alt=json`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.workloadIdentityConfig, { workloadPool: `${PROJECT.id}.svc.id.goog` });
  assert.equal(r.json.currentMasterVersion, '1.32.4-gke.1106006');
  assert.equal(r.json.selfLink, `https://container.googleapis.com/v1/projects/${PROJECT.id}/locations/us-central1/clusters/demo-gke`);
  const nf = await sb.call('GET', `/v1/projects/${PROJECT.id}/locations/us-central1/clusters/other`);
  assert.deepEqual(nf.json, { error: { code: 404, message: `Not found: projects/${PROJECT.id}/locations/us-central1/clusters/other.`, status: 'NOT_FOUND' } });
  assert.equal((await sb.call('GET', `/v1/projects/${PROJECT.id}/locations/-/clusters`)).json.clusters.length, 1);
});
