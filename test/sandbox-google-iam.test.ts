import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeKey, poolsPath, PROJECT, startSandbox, type Sandbox } from './sandbox-google-harness.js';

let sb: Sandbox;
before(async () => { sb = await startSandbox(); });
after(() => sb.close());

const NAME = (pool: string) => `projects/${PROJECT.number}/locations/global/workloadIdentityPools/${pool}`;
const provider = (extra: Record<string, unknown> = {}) => ({
  attributeMapping: { 'google.subject': 'assertion.sub', 'attribute.namespace': "assertion['kubernetes.io']['namespace']" },
  oidc: { issuerUri: 'https://issuer.example' },
  ...extra,
});

test('pool create returns an operation named by project NUMBER; get/list carry the number too', async () => {
  const r = await sb.call('POST', `${poolsPath()}?alt=json&workloadIdentityPoolId=pool-a`, { body: { displayName: 'Pool A', description: 'd', disabled: false } });
  assert.equal(r.status, 200);
  assert.match(r.json.name, new RegExp(`^${NAME('pool-a')}/operations/`));
  assert.equal(r.json.done, false);
  assert.equal(r.json.response, undefined);
  const op = await sb.call('GET', `/v1/${r.json.name}`);
  assert.equal(op.json.done, true);
  const g = await sb.call('GET', `${poolsPath(PROJECT.number)}/pool-a`);
  assert.deepEqual(g.json, { name: NAME('pool-a'), displayName: 'Pool A', description: 'd', state: 'ACTIVE' });
  const l = await sb.call('GET', poolsPath());
  assert.deepEqual(l.json.workloadIdentityPools.map((p: { name: string }) => p.name), [NAME('pool-a')]);
});

test('pool validation: IDs, reserved prefix, display name, session duration, unknown fields', async () => {
  const cases: [string, object, RegExp][] = [
    ['ab', {}, /Invalid workload identity pool ID "ab"/],
    ['gcp-pool', {}, /prefix "gcp-" is reserved/],
    ['My_Pool', {}, /Invalid workload identity pool ID/],
    ['1pool', {}, /start with a lowercase letter/],
    ['pool-', {}, /Invalid workload identity pool ID/],
    ['p'.repeat(33), {}, /Invalid workload identity pool ID/],
    ['good-pool', { displayName: 'x'.repeat(33) }, /^Display name must be less than or equal to 32 characters\.$/],
    ['good-pool', { sessionDuration: '60s' }, /between 2 minutes and 12 hours/],
    ['good-pool', { displayname: 'x' }, /^Invalid JSON payload received\. Unknown name "displayname" at 'workload_identity_pool': Cannot find field\.$/],
    ['good-pool', { disabled: 'yes' }, /^Invalid value at 'workload_identity_pool\.disabled' \(TYPE_BOOL\), "yes"$/],
  ];
  for (const [id, body, msg] of cases) {
    const r = await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=${id}`, { body });
    assert.equal(r.status, 400, `${id} ${JSON.stringify(body)}`);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    assert.match(r.json.error.message, msg);
  }
  assert.equal((await sb.call('GET', `${poolsPath()}/good-pool`)).status, 404);
  const q = await sb.call('POST', `${poolsPath()}?poolId=x`, { body: {} });
  assert.equal(q.json.error.message, 'Invalid JSON payload received. Unknown name "poolId": Cannot bind query parameter. Field \'poolId\' could not be found in request message.');
});

test('soft delete keeps the ID: 409 on re-create, showDeleted lists it, no updates, undelete restores', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-del`, { body: {} });
  const d = await sb.call('DELETE', `${poolsPath()}/pool-del`);
  assert.equal(d.status, 200);
  const g = await sb.call('GET', `${poolsPath()}/pool-del`);
  assert.equal(g.json.state, 'DELETED');
  const expire = Date.parse(g.json.expireTime) - Date.now();
  assert.ok(Math.abs(expire - 30 * 86400_000) < 2000, g.json.expireTime);
  const again = await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-del`, { body: {} });
  assert.deepEqual(again.json, { error: { code: 409, message: 'Requested entity already exists', status: 'ALREADY_EXISTS' } });
  const hidden = await sb.call('GET', poolsPath());
  assert.ok(!JSON.stringify(hidden.json).includes('pool-del'));
  const shown = await sb.call('GET', `${poolsPath()}?showDeleted=true`);
  assert.ok(shown.json.workloadIdentityPools.some((p: { name: string; state: string }) => p.name === NAME('pool-del') && p.state === 'DELETED'));
  const patch = await sb.call('PATCH', `${poolsPath()}/pool-del?updateMask=displayName`, { body: { displayName: 'x' } });
  assert.equal(patch.status, 400);
  assert.equal(patch.json.error.status, 'FAILED_PRECONDITION');
  const prov = await sb.call('POST', `${poolsPath()}/pool-del/providers?workloadIdentityPoolProviderId=prov`, { body: provider() });
  assert.equal(prov.json.error.status, 'FAILED_PRECONDITION');
  const u = await sb.call('POST', `${poolsPath()}/pool-del:undelete`, { body: {} });
  assert.equal(u.status, 200);
  const g2 = await sb.call('GET', `${poolsPath()}/pool-del`);
  assert.equal(g2.json.state, 'ACTIVE');
  assert.equal(g2.json.expireTime, undefined);
});

test('a soft-deleted pool is purged after 30 days, then its ID is free', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-purge`, { body: {} });
  await sb.call('DELETE', `${poolsPath()}/pool-purge`);
  sb.clock.offsetMs = 31 * 86400_000;
  try {
    assert.equal((await sb.call('GET', `${poolsPath()}/pool-purge`)).status, 404);
    assert.equal((await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-purge`, { body: {} })).status, 200);
  } finally {
    sb.clock.offsetMs = 0;
  }
});

test('pool patch applies only the updateMask fields (gcloud sends disabled:false outside the mask)', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-patch`, { body: { displayName: 'Before', description: 'keep' } });
  const r = await sb.call('PATCH', `${poolsPath()}/pool-patch?updateMask=displayName`, { body: { displayName: 'After', description: 'ignored', disabled: true } });
  assert.equal(r.status, 200);
  const g = await sb.call('GET', `${poolsPath()}/pool-patch`);
  assert.deepEqual(g.json, { name: NAME('pool-patch'), displayName: 'After', description: 'keep', state: 'ACTIVE' });
  await sb.call('PATCH', `${poolsPath()}/pool-patch?updateMask=disabled`, { body: { disabled: true } });
  assert.equal((await sb.call('GET', `${poolsPath()}/pool-patch`)).json.disabled, true);
  assert.equal((await sb.call('PATCH', `${poolsPath()}/pool-patch`, { body: {} })).status, 400);
  assert.equal((await sb.call('PATCH', `${poolsPath()}/pool-patch?updateMask=name`, { body: {} })).status, 400);
});

test('provider create/get: nested fields, jwksJson verbatim, names with the number', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-p`, { body: {} });
  const key = await makeKey();
  const jwks = `${JSON.stringify({ keys: [key.jwk] })}\n`;
  const body = provider({ displayName: 'Prov', attributeCondition: "assertion.sub.startsWith('system:serviceaccount:')", oidc: { issuerUri: 'https://issuer.example', allowedAudiences: ['aud1', 'aud2'], jwksJson: jwks }, disabled: false });
  const r = await sb.call('POST', `${poolsPath()}/pool-p/providers?workloadIdentityPoolProviderId=prov-a`, { body });
  assert.equal(r.status, 200, r.text);
  const g = await sb.call('GET', `${poolsPath(PROJECT.number)}/pool-p/providers/prov-a`);
  assert.equal(g.json.name, `${NAME('pool-p')}/providers/prov-a`);
  assert.equal(g.json.oidc.jwksJson, jwks);
  assert.deepEqual(g.json.oidc.allowedAudiences, ['aud1', 'aud2']);
  assert.equal(g.json.disabled, undefined);
  const dup = await sb.call('POST', `${poolsPath()}/pool-p/providers?workloadIdentityPoolProviderId=prov-a`, { body });
  assert.equal(dup.status, 409);
});

test('provider validation messages (research §2)', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-v`, { body: {} });
  const map = { 'google.subject': 'assertion.sub' };
  const cases: [string, object, string | RegExp][] = [
    ['gcp-prov', provider(), /prefix "gcp-" is reserved/],
    ['prov-v', provider({ oidc: { issuerUri: 'http://insecure' } }), 'Invalid OIDC issuer URI. The scheme must be https.'],
    ['prov-v', provider({ oidc: { issuerUri: 'frisket-host' } }), 'Invalid OIDC issuer URI.'],
    ['prov-v', provider({ attributeMapping: { 'assertion.sub': 'assertion.sub', 'google.subject': 'assertion.sub' } }),
      "Invalid mapped attribute key: assertion.sub. The maximum length of a mapped attribute key is 100 characters and may only contain the characters [a-z0-9_]. Custom mapped attributes must be in the format 'attribute.{custom_attribute}'."],
    ['prov-v', provider({ attributeMapping: { 'attribute.Repo': 'assertion.sub', 'google.subject': 'assertion.sub' } }), /^Invalid mapped attribute key: attribute\.Repo\./],
    ['prov-v', provider({ attributeMapping: { 'attribute.ns': 'assertion.sub' } }), /must include a mapping for google\.subject/],
    ['prov-v', provider({ attributeMapping: { 'google.subject': 'assertion.sub +' } }), /^Invalid attribute mapping expression for google\.subject: /],
    ['prov-v', provider({ attributeMapping: map, attributeCondition: 'assertion.sub ==' }), /^Invalid attribute condition: /],
    ['prov-v', provider({ attributeMapping: map, attributeCondition: "attribute.namespace == 'x'" }), /attribute\.namespace is not mapped/],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', allowedAudiences: Array.from({ length: 11 }, (_, i) => `a${i}`) } }), /maximum of 10 audiences/],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', allowedAudiences: ['a'.repeat(257)] } }), /at most 256 characters/],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', jwksJson: '{not json' } }), 'Input JWK is not in a valid json format'],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', jwksJson: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }) } }), 'Input jwks contains corrupted key material.'],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', jwksJson: JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' }] }) } }), /Only RSA, EC key types are supported\./],
    ['prov-v', provider({ oidc: { issuerUri: 'https://x', jwksJson: JSON.stringify({ keys: [{ kty: 'RSA', n: '', e: 'AQAB' }] }) } }), 'Input jwks contains corrupted key material.'],
    ['prov-v', provider({ oidc: { issuerUri: 'https://token.actions.githubusercontent.com' } }),
      "The attribute condition must reference one of the provider's claims. For more information, see https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines#conditions"],
    ['prov-v', provider({ displayName: 'd'.repeat(33) }), 'Display name must be less than or equal to 32 characters.'],
  ];
  for (const [id, body, msg] of cases) {
    const r = await sb.call('POST', `${poolsPath()}/pool-v/providers?workloadIdentityPoolProviderId=${id}`, { body });
    assert.equal(r.status, 400, `${id} ${JSON.stringify(body)} → ${r.text}`);
    assert.equal(r.json.error.status, 'INVALID_ARGUMENT');
    if (typeof msg === 'string') assert.equal(r.json.error.message, msg);
    else assert.match(r.json.error.message, msg);
  }
  const ec = await makeKey('ES256');
  const ok = await sb.call('POST', `${poolsPath()}/pool-v/providers?workloadIdentityPoolProviderId=prov-ok`, {
    body: provider({ oidc: { issuerUri: 'https://frisket.invalid/host', jwksJson: JSON.stringify({ keys: [ec.jwk, (await makeKey()).jwk] }) } }),
  });
  assert.equal(ok.status, 200, ok.text);
});

test('provider patch: nested update masks, whole-provider validation, type switch rejected', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-pp`, { body: {} });
  await sb.call('POST', `${poolsPath()}/pool-pp/providers?workloadIdentityPoolProviderId=prov`, { body: provider({ oidc: { issuerUri: 'https://i.example', allowedAudiences: ['a'] } }) });
  const path = `${poolsPath()}/pool-pp/providers/prov`;
  const r = await sb.call('PATCH', `${path}?updateMask=attributeCondition%2Coidc.allowedAudiences`, { body: { attributeCondition: 'true', disabled: false, oidc: { allowedAudiences: ['x'] } } });
  assert.equal(r.status, 200, r.text);
  let g = (await sb.call('GET', path)).json;
  assert.deepEqual(g.oidc, { issuerUri: 'https://i.example', allowedAudiences: ['x'] });
  assert.equal(g.attributeCondition, 'true');
  const key = await makeKey();
  await sb.call('PATCH', `${path}?update_mask=oidc.jwks_json`, { body: { oidc: { jwksJson: JSON.stringify({ keys: [key.jwk] }) } } });
  g = (await sb.call('GET', path)).json;
  assert.equal(g.oidc.issuerUri, 'https://i.example');
  assert.match(g.oidc.jwksJson, new RegExp(key.kid));
  const m = await sb.call('PATCH', `${path}?updateMask=attributeMapping`, { body: { attributeMapping: { 'attribute.x': 'assertion.sub' } } });
  assert.equal(m.status, 400);
  assert.match(m.json.error.message, /google\.subject/);
  const t = await sb.call('PATCH', `${path}?updateMask=aws`, { body: { aws: { accountId: '1' } } });
  assert.equal(t.status, 400);
  await sb.call('DELETE', path);
  const del = (await sb.call('GET', path)).json;
  assert.equal(del.state, 'DELETED');
  assert.equal((await sb.call('PATCH', `${path}?updateMask=disabled`, { body: { disabled: true } })).json.error.status, 'FAILED_PRECONDITION');
  assert.equal((await sb.call('POST', `${poolsPath()}/pool-pp/providers?workloadIdentityPoolProviderId=prov`, { body: provider() })).status, 409);
  const listed = (await sb.call('GET', `${poolsPath()}/pool-pp/providers?showDeleted=true`)).json;
  assert.equal(listed.workloadIdentityPoolProviders.length, 1);
  assert.deepEqual((await sb.call('GET', `${poolsPath()}/pool-pp/providers`)).json, {});
  assert.equal((await sb.call('POST', `${path}:undelete`, { body: {} })).status, 200);
});

test('authentication: missing or unknown bearer → Google 401; other projects → 403 (or it may not exist)', async () => {
  const none = await sb.call('GET', poolsPath(), { token: null });
  assert.equal(none.status, 401);
  assert.equal(none.json.error.status, 'UNAUTHENTICATED');
  assert.match(none.json.error.message, /^Request is missing required authentication credential\. Expected OAuth 2 access token/);
  assert.equal(none.json.error.details[0].reason, 'CREDENTIALS_MISSING');
  const wrong = await sb.call('GET', poolsPath(), { token: 'ya29.bogus' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.json.error.message, /^Request had invalid authentication credentials\./);
  const other = await sb.call('GET', poolsPath('someone-else'));
  assert.equal(other.status, 403);
  assert.equal(other.json.error.message, "Permission 'iam.workloadIdentityPools.list' denied on resource '//iam.googleapis.com/projects/someone-else/locations/global' (or it may not exist).");
  assert.equal((await sb.call('GET', '/v1/projects/wif-sandbox/locations/us-east1/workloadIdentityPools')).status, 400);
});

test('a disabled API answers 403 SERVICE_DISABLED until re-enabled', async () => {
  sb.google.setServiceEnabled('iam.googleapis.com', false);
  try {
    const r = await sb.call('GET', poolsPath());
    assert.equal(r.status, 403);
    assert.equal(r.json.error.details[0].reason, 'SERVICE_DISABLED');
    assert.match(r.json.error.message, /^Identity and Access Management \(IAM\) API has not been used in project 123456789012 before or it is disabled\./);
  } finally {
    sb.google.setServiceEnabled('iam.googleapis.com', true);
  }
  assert.equal((await sb.call('GET', poolsPath())).status, 200);
});

test('reset() returns to the initial state', async () => {
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=pool-reset`, { body: {} });
  sb.google.reset();
  assert.equal((await sb.call('GET', `${poolsPath()}/pool-reset`)).status, 404);
  assert.deepEqual((await sb.call('GET', poolsPath())).json, {});
});
