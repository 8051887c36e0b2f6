import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, startSandbox, type Sandbox } from './sandbox-google-harness.js';

let sb: Sandbox;
before(async () => { sb = await startSandbox(); });
after(() => sb.close());

const SA_EMAIL = (id: string) => `${id}@${PROJECT.id}.iam.gserviceaccount.com`;
const WIP = `principal://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/pool/subject/system:serviceaccount:ns:ksa`;
const getPolicy = (v = 3) => sb.call('POST', `/v1/projects/${PROJECT.id}:getIamPolicy`, { body: { options: { requestedPolicyVersion: v } } });
const setPolicy = (policy: object) => sb.call('POST', `/v1/projects/${PROJECT.id}:setIamPolicy`, { body: { policy } });

test('projects.get: v1 and v3 shapes, by ID or number; unknown project → 403 per version', async () => {
  const v1 = await sb.call('GET', `/v1/projects/${PROJECT.number}`);
  assert.equal(v1.json.projectId, PROJECT.id);
  assert.equal(v1.json.projectNumber, PROJECT.number);
  assert.equal(v1.json.lifecycleState, 'ACTIVE');
  const v3 = await sb.call('GET', `/v3/projects/${PROJECT.id}`);
  assert.equal(v3.json.name, `projects/${PROJECT.number}`);
  assert.equal(v3.json.state, 'ACTIVE');
  assert.deepEqual((await sb.call('GET', '/v1/projects/nope')).json.error, { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' });
  assert.match((await sb.call('GET', '/v3/projects/nope')).json.error.message, /^Permission 'resourcemanager\.projects\.get' denied on resource '\/\/cloudresourcemanager\.googleapis\.com\/projects\/nope' \(or it may not exist\)\.$/);
});

test('getIamPolicy: the owner binding, version 1 without conditions, canonical base64 etag', async () => {
  const r = await getPolicy();
  assert.equal(r.status, 200);
  assert.equal(r.json.version, 1);
  assert.deepEqual(r.json.bindings, [{ role: 'roles/owner', members: ['user:owner@example.com'] }]);
  assert.match(r.json.etag, /^BwY[A-Za-z0-9+/]{8}=$/);
  assert.equal(Buffer.from(r.json.etag, 'base64').toString('base64'), r.json.etag);
  const q = await sb.call('POST', `/v1/projects/${PROJECT.id}:getIamPolicy?options.requestedPolicyVersion=3`, { body: {} });
  assert.equal(q.status, 400);
  assert.match(q.json.error.message, /Cannot bind query parameter/);
  assert.equal((await getPolicy(2)).status, 400);
});

test('setIamPolicy: read-modify-write; etag changes on every write; stale etag → 409 ABORTED body', async () => {
  const p = (await getPolicy()).json;
  const bindings = [...p.bindings, { role: 'roles/iam.workloadIdentityUser', members: [WIP] }];
  const w = await setPolicy({ ...p, bindings, version: 3 });
  assert.equal(w.status, 200, w.text);
  assert.notEqual(w.json.etag, p.etag);
  assert.equal(w.json.version, 1);
  const stale = await setPolicy({ ...p, bindings, version: 3 });
  assert.equal(stale.status, 409);
  const msg = 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.';
  assert.deepEqual(stale.json, { error: { code: 409, message: msg, errors: [{ domain: 'global', message: msg, reason: 'aborted' }], status: 'ABORTED' } });
  // gcloud re-encodes the etag; the server compares bytes (a non-canonical spelling of the same bytes matches)
  const cur = (await getPolicy()).json;
  const again = await setPolicy({ ...cur, etag: cur.etag.replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_') });
  assert.equal(again.status, 200, again.text);
  const bad = await setPolicy({ ...cur, etag: 'v1-etag!' });
  assert.equal(bad.json.error.message, 'Invalid value at \'policy.etag\' (TYPE_BYTES), Base64 decoding failed for "v1-etag!"');
});

test('conditions: kept at version 3, _withcond_ roles below 3, version rules on write', async () => {
  const cur = (await getPolicy()).json;
  const condition = { title: 'expirable', expression: "request.time < timestamp('2030-01-01T00:00:00Z')" };
  const noV3 = await setPolicy({ ...cur, bindings: [...cur.bindings, { role: 'roles/viewer', members: ['user:a@example.com'], condition }] });
  assert.equal(noV3.status, 400);
  const w = await setPolicy({ ...cur, version: 3, bindings: [...cur.bindings, { role: 'roles/viewer', members: ['user:a@example.com'], condition }] });
  assert.equal(w.status, 200, w.text);
  assert.equal(w.json.version, 3);
  const v3 = (await getPolicy(3)).json;
  assert.deepEqual(v3.bindings.find((b: { condition?: object }) => b.condition).condition, condition);
  const v1 = (await getPolicy(1)).json;
  assert.equal(v1.version, 1);
  assert.ok(v1.bindings.some((b: { role: string; condition?: object }) => /^roles\/viewer_withcond_[0-9a-f]+$/.test(b.role) && !b.condition));
  const down = await setPolicy({ ...v3, version: 1 });
  assert.equal(down.json.error.message, 'Specified policy version (1) cannot be less than the existing policy version (3). For more information, please refer to https://cloud.google.com/iam/docs/policies#versions');
  const back = await setPolicy({ ...v3, version: 3, bindings: v3.bindings.filter((b: { condition?: object }) => !b.condition) });
  assert.equal(back.json.version, 1);
});

test('member and role validation messages', async () => {
  const cur = (await getPolicy()).json;
  const add = (member: string, role = 'roles/viewer') => setPolicy({ ...cur, version: 3, bindings: [...cur.bindings, { role, members: [member] }] });
  for (const m of ['me@example.com', 'principalSet://iam.googleapis.com/my-pool/attribute.x/y', 'principal://iam.googleapis.com/projects/1/subject/x', 'user:not-an-email']) {
    const r = await add(m);
    assert.equal(r.json.error.message, `The member ${m} is of an unknown type. Please set a valid type prefix for the member.`, m);
  }
  assert.equal((await add(`serviceAccount:${SA_EMAIL('ghost-sa')}`)).json.error.message, `Service account ${SA_EMAIL('ghost-sa')} does not exist.`);
  const sandboxLess = await startSandbox({ clusters: [] });
  try {
    const p = (await sandboxLess.call('POST', `/v1/projects/${PROJECT.id}:getIamPolicy`, { body: {} })).json;
    const r = await sandboxLess.call('POST', `/v1/projects/${PROJECT.id}:setIamPolicy`, { body: { policy: { ...p, bindings: [...p.bindings, { role: 'roles/viewer', members: [`serviceAccount:${PROJECT.id}.svc.id.goog[ns/ksa]`] }] } } });
    assert.match(r.json.error.message, /^Identity Pool does not exist \(wif-sandbox\.svc\.id\.goog\)\. Please check/);
  } finally {
    await sandboxLess.close();
  }
  assert.equal((await add(`serviceAccount:${PROJECT.id}.svc.id.goog[ns/ksa]`)).status, 200);
  const cur2 = (await getPolicy()).json;
  const badRole = await setPolicy({ ...cur2, bindings: [...cur2.bindings, { role: 'viewer', members: ['user:a@example.com'] }] });
  assert.equal(badRole.json.error.message, 'Role viewer is not supported for this resource.');
  for (const m of [
    `principalSet://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/pool/attribute.namespace/prod`,
    `principalSet://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/pool/*`,
    `principalSet://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/${PROJECT.id}.svc.id.goog/namespace/ns`,
    'group:team@example.com', 'domain:example.com', 'allAuthenticatedUsers',
  ]) {
    const p = (await getPolicy()).json;
    const r = await setPolicy({ ...p, bindings: [...p.bindings, { role: 'roles/browser', members: [m] }] });
    assert.equal(r.status, 200, `${m}: ${r.text}`);
  }
});

test('conflict fault injection: that fraction of writes answers 409 ABORTED and moves the etag', async () => {
  sb.faults.conflictRate = 1;
  try {
    const p = (await getPolicy()).json;
    const r = await setPolicy(p);
    assert.equal(r.status, 409);
    assert.equal(r.json.error.status, 'ABORTED');
    assert.notEqual((await getPolicy()).json.etag, p.etag);
  } finally {
    sb.faults.conflictRate = 0;
  }
  const p = (await getPolicy()).json;
  assert.equal((await setPolicy(p)).status, 200);
});

test('service accounts: accountId rules, create, get by email or unique id, list, 409 on duplicate', async () => {
  const create = (accountId: string, serviceAccount: object = {}) => sb.call('POST', `/v1/projects/${PROJECT.id}/serviceAccounts`, { body: { accountId, serviceAccount } });
  assert.equal((await create('abc')).json.error.message, 'The account ID "abc" does not have a length between 6 and 30.');
  assert.equal((await create('Abcdefg')).json.error.message, 'Abcdefg does not match [a-z][a-z\\d\\-]*[a-z\\d].');
  assert.equal((await create('wif-sa-')).status, 400);
  const r = await create('wif-sa', { displayName: 'WIF SA', description: 'd' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.email, SA_EMAIL('wif-sa'));
  assert.equal(r.json.name, `projects/${PROJECT.id}/serviceAccounts/${SA_EMAIL('wif-sa')}`);
  assert.match(r.json.uniqueId, /^\d{21}$/);
  const dup = await create('wif-sa');
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.message, `Service account wif-sa already exists within project projects/${PROJECT.id}.`);
  assert.equal((await sb.call('GET', `/v1/projects/-/serviceAccounts/${r.json.uniqueId}`)).json.email, SA_EMAIL('wif-sa'));
  assert.equal((await sb.call('GET', `/v1/projects/${PROJECT.id}/serviceAccounts/${SA_EMAIL('wif-sa')}`)).status, 200);
  const missing = await sb.call('GET', `/v1/projects/-/serviceAccounts/${SA_EMAIL('nobody-here')}`);
  assert.deepEqual(missing.json.error, { code: 404, message: 'Unknown service account', status: 'NOT_FOUND' });
  const l = await sb.call('GET', `/v1/projects/${PROJECT.id}/serviceAccounts`);
  assert.ok(l.json.accounts.some((a: { email: string }) => a.email === SA_EMAIL('wif-sa')));
});

test('service-account IAM policy: version as query param, empty policy ACAB, SA-specific roles', async () => {
  await sb.call('POST', `/v1/projects/${PROJECT.id}/serviceAccounts`, { body: { accountId: 'pol-sa1', serviceAccount: {} } });
  const base = `/v1/projects/${PROJECT.id}/serviceAccounts/${SA_EMAIL('pol-sa1')}`;
  const g = await sb.call('POST', `${base}:getIamPolicy?alt=json&options.requestedPolicyVersion=3`);
  assert.deepEqual(g.json, { version: 1, etag: 'ACAB' });
  const member = `principalSet://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/pool/attribute.namespace/default`;
  const s = await sb.call('POST', `${base}:setIamPolicy`, { body: { policy: { bindings: [{ members: [member], role: 'roles/iam.workloadIdentityUser' }], etag: 'ACAB', version: 3 } } });
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.bindings, [{ role: 'roles/iam.workloadIdentityUser', members: [member] }]);
  const stale = await sb.call('POST', `${base}:setIamPolicy`, { body: { policy: { bindings: [], etag: 'ACAB', version: 3 } } });
  assert.equal(stale.status, 409);
  const role = await sb.call('POST', `${base}:setIamPolicy`, { body: { policy: { bindings: [{ members: ['user:a@example.com'], role: 'roles/storage.admin' }] } } });
  assert.equal(role.json.error.message, 'Role roles/storage.admin is not supported for this resource.');
  const body = await sb.call('POST', `${base}:getIamPolicy`, { body: { options: { requestedPolicyVersion: 3 } } });
  assert.equal(body.status, 400);
});
