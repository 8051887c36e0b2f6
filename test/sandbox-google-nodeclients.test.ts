/**
 * The generated Node clients wif uses (`@googleapis/*` with `rootUrl`, research/gcp-api.md §7.1) against
 * the sandbox: request shapes they send (camelCase JSON, query names, `{+name}` paths) must be accepted.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { iam } from '@googleapis/iam';
import { cloudresourcemanager } from '@googleapis/cloudresourcemanager';
import { sts } from '@googleapis/sts';
import { iamcredentials } from '@googleapis/iamcredentials';
import { serviceusage } from '@googleapis/serviceusage';
import { container } from '@googleapis/container';
import { OAuth2Client } from 'google-auth-library';
import { ksaClaims, makeKey, mintJwt, PROJECT, providerAudience, SELF_ISSUER, startSandbox, type Sandbox } from './sandbox-google-harness.js';

let sb: Sandbox;
let auth: OAuth2Client;
before(async () => {
  sb = await startSandbox();
  auth = new OAuth2Client();
  auth.setCredentials({ access_token: sb.ownerToken });
});
after(() => sb.close());

const parent = `projects/${PROJECT.id}/locations/global`;

test('@googleapis/iam: pool + provider create/get/patch, service account + policy', async () => {
  const client = iam({ version: 'v1', rootUrl: sb.base, auth });
  const op = await client.projects.locations.workloadIdentityPools.create({ parent, workloadIdentityPoolId: 'node-pool', requestBody: { displayName: 'Node' } });
  assert.equal(op.data.done, false);
  const done = await client.projects.locations.workloadIdentityPools.operations.get({ name: op.data.name! });
  assert.equal(done.data.done, true);
  const pools = client.projects.locations.workloadIdentityPools;
  await pools.providers.create({
    parent: `${parent}/workloadIdentityPools/node-pool`, workloadIdentityPoolProviderId: 'node-prov',
    requestBody: { attributeMapping: { 'google.subject': 'assertion.sub' }, oidc: { issuerUri: SELF_ISSUER } },
  });
  await pools.providers.patch({
    name: `${parent}/workloadIdentityPools/node-pool/providers/node-prov`, updateMask: 'oidc.allowedAudiences,attributeCondition',
    requestBody: { attributeCondition: "assertion.sub != ''", oidc: { allowedAudiences: ['a1'] } },
  });
  const prov = await pools.providers.get({ name: `projects/${PROJECT.number}/locations/global/workloadIdentityPools/node-pool/providers/node-prov` });
  assert.deepEqual(prov.data.oidc, { issuerUri: SELF_ISSUER, allowedAudiences: ['a1'] });
  const list = await pools.list({ parent, showDeleted: true });
  assert.equal(list.data.workloadIdentityPools?.length, 1);
  await assert.rejects(pools.get({ name: `${parent}/workloadIdentityPools/missing` }), (e: { status?: number }) => e.status === 404);

  const sa = await client.projects.serviceAccounts.create({ name: `projects/${PROJECT.id}`, requestBody: { accountId: 'node-sa', serviceAccount: { displayName: 'n' } } });
  const resource = `projects/-/serviceAccounts/${sa.data.email}`;
  const pol = await client.projects.serviceAccounts.getIamPolicy({ resource, 'options.requestedPolicyVersion': 3 });
  assert.deepEqual(pol.data, { version: 1, etag: 'ACAB' });
  const member = `principal://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/node-pool/subject/system:serviceaccount:default:app`;
  await client.projects.serviceAccounts.setIamPolicy({ resource, requestBody: { policy: { ...pol.data, version: 3, bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [member] }] } } });
});

test('@googleapis/cloudresourcemanager v1/v3 and @googleapis/serviceusage', async () => {
  const v3 = cloudresourcemanager({ version: 'v3', rootUrl: sb.base, auth });
  const p = await v3.projects.getIamPolicy({ resource: `projects/${PROJECT.number}`, requestBody: { options: { requestedPolicyVersion: 3 } } });
  assert.equal(p.data.version, 1);
  const v1 = cloudresourcemanager({ version: 'v1', rootUrl: sb.base, auth });
  assert.equal((await v1.projects.get({ projectId: PROJECT.id })).data.projectNumber, PROJECT.number);
  const su = serviceusage({ version: 'v1', rootUrl: sb.base, auth });
  const op = await su.services.batchEnable({ parent: `projects/${PROJECT.id}`, requestBody: { serviceIds: ['iam.googleapis.com', 'sts.googleapis.com'] } });
  assert.equal(op.data.name, 'operations/noop.DONE_OPERATION');
  const gke = container({ version: 'v1', rootUrl: sb.base, auth });
  const c = await gke.projects.locations.clusters.get({ name: `projects/${PROJECT.id}/locations/us-central1/clusters/demo-gke` });
  assert.equal(c.data.workloadIdentityConfig?.workloadPool, `${PROJECT.id}.svc.id.goog`);
});

test('@googleapis/sts (JSON camelCase) and @googleapis/iamcredentials with the federated token', async () => {
  const key = await makeKey();
  sb.issuers.set(SELF_ISSUER, [key]);
  const client = iam({ version: 'v1', rootUrl: sb.base, auth });
  await client.projects.locations.workloadIdentityPools.create({ parent, workloadIdentityPoolId: 'sts-pool', requestBody: {} });
  await client.projects.locations.workloadIdentityPools.providers.create({
    parent: `${parent}/workloadIdentityPools/sts-pool`, workloadIdentityPoolProviderId: 'sts-prov',
    requestBody: { attributeMapping: { 'google.subject': 'assertion.sub' }, oidc: { issuerUri: SELF_ISSUER } },
  });
  const audience = providerAudience('sts-pool', 'sts-prov');
  const jwt = await mintJwt(key, ksaClaims(SELF_ISSUER, audience));
  const s = sts({ version: 'v1', rootUrl: sb.base });
  const r = await s.v1.token({
    requestBody: {
      grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', audience, scope: 'https://www.googleapis.com/auth/cloud-platform',
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token', subjectToken: jwt, subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
    },
  });
  assert.match(r.data.access_token ?? '', /^ya29\.d\./);
  const fed = new OAuth2Client();
  fed.setCredentials({ access_token: r.data.access_token });
  const creds = iamcredentials({ version: 'v1', rootUrl: sb.base, auth: fed });
  await assert.rejects(
    creds.projects.serviceAccounts.generateAccessToken({ name: `projects/-/serviceAccounts/node-sa@${PROJECT.id}.iam.gserviceaccount.com`, requestBody: { scope: ['https://www.googleapis.com/auth/cloud-platform'] } }),
    (e: { status?: number; message?: string }) => e.status === 403 && /iam\.serviceAccounts\.getAccessToken/.test(e.message ?? ''),
  );
});
