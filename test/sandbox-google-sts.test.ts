import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createPoolAndProvider, ksaClaims, makeKey, mintJwt, poolsPath, PROJECT, providerAudience, SELF_ISSUER, startSandbox, stsForm,
  type Sandbox, type TestKey,
} from './sandbox-google-harness.js';

let sb: Sandbox;
let kube: TestKey;
let uploaded: TestKey;
const PRIVATE = 'https://private.example/cluster';
const HTTPS_AUD = `https://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube/providers/disc`;
const mapping = {
  'google.subject': 'assertion.sub',
  'attribute.namespace': "assertion['kubernetes.io']['namespace']",
};

before(async () => {
  sb = await startSandbox();
  kube = await makeKey('RS256', 'kube-key');
  uploaded = await makeKey('RS256', 'upl-key');
  sb.issuers.set(SELF_ISSUER, [kube]);
  await createPoolAndProvider(sb, 'kube', 'disc', { attributeMapping: mapping, oidc: { issuerUri: SELF_ISSUER } });
  await createPoolAndProvider(sb, 'kube', 'upload', { attributeMapping: mapping, oidc: { issuerUri: PRIVATE, allowedAudiences: ['my-aud'], jwksJson: JSON.stringify({ keys: [uploaded.jwk] }) } });
  await createPoolAndProvider(sb, 'kube', 'cond', { attributeMapping: mapping, attributeCondition: "assertion['kubernetes.io']['namespace'] == 'prod'", oidc: { issuerUri: SELF_ISSUER } });
  await createPoolAndProvider(sb, 'kube', 'long', { attributeMapping: { 'google.subject': "assertion.sub + assertion.sub + assertion.sub + assertion.sub + assertion.sub" }, oidc: { issuerUri: SELF_ISSUER } });
  await createPoolAndProvider(sb, 'kube', 'nonstr', { attributeMapping: { 'google.subject': 'assertion.iat' }, oidc: { issuerUri: SELF_ISSUER } });
});
after(() => sb.close());

const DISC = providerAudience('kube', 'disc');
const UPL = providerAudience('kube', 'upload');
const exchange = (form: Record<string, string>) => sb.call('POST', '/v1/token', { form, token: null });
async function expectOAuth(form: Record<string, string>, error: string, description: string) {
  const r = await exchange(form);
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.json, { error, error_description: description });
}

test('form-encoded exchange (auth libraries): snake_case response, expiry capped at 1 h, trailing newline tolerated', async () => {
  const jwt = await mintJwt(kube, ksaClaims(SELF_ISSUER, HTTPS_AUD));
  const r = await exchange(stsForm(DISC, `${jwt}\n`));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'issued_token_type', 'token_type']);
  assert.match(r.json.access_token, /^ya29\.d\./);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
  assert.ok(r.json.expires_in > 3590 && r.json.expires_in <= 3599, String(r.json.expires_in));
  const intro = await sb.call('POST', '/v1/introspect', { form: { token: r.json.access_token }, token: null });
  assert.equal(intro.json.active, true);
  assert.equal(intro.json.username, `principal://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube/subject/system:serviceaccount:default:app`);
  assert.deepEqual((await sb.call('POST', '/v1/introspect', { form: { token: 'nope' }, token: null })).json, { active: false });
});

test('JSON camelCase exchange (@googleapis/sts); aud as an array; uploaded JWKS with an unresolvable issuer', async () => {
  const jwt = await mintJwt(uploaded, ksaClaims(PRIVATE, ['other', 'my-aud']));
  const r = await sb.call('POST', '/v1/token', {
    token: null,
    body: {
      grantType: 'urn:ietf:params:oauth:grant-type:token-exchange', audience: UPL, scope: 'https://www.googleapis.com/auth/cloud-platform',
      requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token', subjectToken: jwt, subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
    },
  });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.access_token);
});

test('short-lived subject tokens: expires_in follows exp; 2 s left → no expires_in; pool sessionDuration overrides', async () => {
  const now = Math.floor(Date.now() / 1000);
  const r = await exchange(stsForm(DISC, await mintJwt(kube, { ...ksaClaims(SELF_ISSUER, HTTPS_AUD), exp: now + 600 })));
  assert.ok(r.json.expires_in >= 597 && r.json.expires_in <= 599, String(r.json.expires_in));
  const r2 = await exchange(stsForm(DISC, await mintJwt(kube, { ...ksaClaims(SELF_ISSUER, HTTPS_AUD), exp: now + 2 })));
  assert.equal(r2.status, 200);
  assert.equal(r2.json.expires_in, undefined);
  await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=sess`, { body: { sessionDuration: '7200s' } });
  await createPoolAndProvider(sb, 'sess', 'prov', { attributeMapping: mapping, oidc: { issuerUri: SELF_ISSUER } });
  const aud = `https://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/sess/providers/prov`;
  const r3 = await exchange(stsForm(providerAudience('sess', 'prov'), await mintJwt(kube, ksaClaims(SELF_ISSUER, aud))));
  assert.equal(r3.json.expires_in, 7199);
});

test('default audiences: both resource-name forms, only while allowedAudiences is empty', async () => {
  for (const aud of [HTTPS_AUD, DISC]) assert.equal((await exchange(stsForm(DISC, await mintJwt(kube, ksaClaims(SELF_ISSUER, aud))))).status, 200, aud);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, ksaClaims(SELF_ISSUER, ['x', 'y']))), 'invalid_grant', 'The audience in ID Token [x, y] does not match the expected audience.');
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...ksaClaims(SELF_ISSUER, []) })), 'invalid_grant', 'The audience in ID Token [] does not match the expected audience.');
  await expectOAuth(stsForm(UPL, await mintJwt(uploaded, ksaClaims(PRIVATE, UPL))), 'invalid_grant', `The audience in ID Token [${UPL}] does not match the expected audience.`);
});

test('issuer, time and signature errors (research §3.3)', async () => {
  const claims = ksaClaims(SELF_ISSUER, HTTPS_AUD);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...claims, iss: 'https://other.example' })), 'invalid_grant',
    `The issuer in ID Token https://other.example does not match the expected one in config: ${SELF_ISSUER}`);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...claims, iss: undefined })), 'invalid_grant', `The issuer in ID Token null does not match the expected one in config: ${SELF_ISSUER}`);
  const now = Math.floor(Date.now() / 1000);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...claims, iat: now - 7200, exp: now - 61 })), 'invalid_grant', `ID Token issued at ${now - 7200} is stale to sign-in.`);
  assert.equal((await exchange(stsForm(DISC, await mintJwt(kube, { ...claims, iat: now - 7200, exp: now - 50 })))).status, 200);
  assert.equal((await exchange(stsForm(DISC, await mintJwt(kube, { ...claims, iat: now + 50 })))).status, 200);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...claims, iat: now + 119 })), 'invalid_grant', `ID Token issued at ${now + 119} is stale to sign-in.`);
  await expectOAuth(stsForm(DISC, await mintJwt(kube, { ...claims, iat: undefined })), 'invalid_grant', 'ID Token issued at null is stale to sign-in.');
  const impostor = await makeKey('RS256', 'kube-key');
  await expectOAuth(stsForm(DISC, await mintJwt(impostor, claims)), 'invalid_grant', 'Unable to verify the ID Token signature.');
  const connect = "Error connecting to the given credential's issuer.";
  await expectOAuth(stsForm(DISC, await mintJwt(await makeKey('RS256', 'other-kid'), claims)), 'invalid_grant', connect);
  await expectOAuth(stsForm(DISC, await mintJwt(await makeKey('ES256', 'kube-key'), claims)), 'invalid_grant', connect);
  await expectOAuth(stsForm(UPL, await mintJwt(await makeKey('RS256', 'nope'), ksaClaims(PRIVATE, 'my-aud'))), 'invalid_grant', connect);
  await createPoolAndProvider(sb, 'kube', 'unknown-iss', { attributeMapping: mapping, oidc: { issuerUri: 'https://nowhere.example' } });
  await expectOAuth(stsForm(providerAudience('kube', 'unknown-iss'), await mintJwt(kube, { ...claims, iss: 'https://nowhere.example' })), 'invalid_grant', connect);
});

test('mapping and condition at runtime (research §2.2–2.3, §3.3)', async () => {
  const aud = (p: string) => `https://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube/providers/${p}`;
  await expectOAuth(stsForm(providerAudience('kube', 'cond'), await mintJwt(kube, ksaClaims(SELF_ISSUER, aud('cond')))), 'unauthorized_client', 'The given credential is rejected by the attribute condition.');
  assert.equal((await exchange(stsForm(providerAudience('kube', 'cond'), await mintJwt(kube, ksaClaims(SELF_ISSUER, aud('cond'), 'prod'))))).status, 200);
  await expectOAuth(stsForm(providerAudience('kube', 'long'), await mintJwt(kube, ksaClaims(SELF_ISSUER, aud('long')))), 'invalid_request',
    'The size of mapped attribute google.subject exceeds the 127 bytes limit. Either modify your attribute mapping or the incoming assertion to produce a mapped attribute that is less than 127 bytes.');
  await expectOAuth(stsForm(providerAudience('kube', 'nonstr'), await mintJwt(kube, ksaClaims(SELF_ISSUER, aud('nonstr')))), 'unauthorized_client', "The mapped attribute 'google.subject' must be of type STRING.");
});

test('request and target errors: invalid_request and invalid_target bodies', async () => {
  const jwt = await mintJwt(kube, ksaClaims(SELF_ISSUER, HTTPS_AUD));
  const badAud = 'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.';
  for (const audience of [HTTPS_AUD, `//iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/kube`, '']) {
    await expectOAuth(stsForm(audience, jwt), 'invalid_request', badAud);
  }
  await expectOAuth(stsForm(DISC, jwt, { requested_token_type: 'urn:ietf:params:oauth:token-type:id_token' }), 'invalid_request', 'Invalid value of requested_token_type in request.');
  await expectOAuth(stsForm(DISC, jwt, { scope: '' }), 'invalid_request', 'Scope(s) must be provided.');
  await expectOAuth(stsForm(DISC, jwt, { grant_type: 'client_credentials' }), 'unsupported_grant_type', 'Unsupported grant type.');
  await expectOAuth(stsForm(DISC, jwt, { subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }), 'invalid_request', 'Invalid value of subject_token_type in request.');
  await expectOAuth(stsForm(DISC, 'not-a-jwt'), 'invalid_grant', 'Unable to parse the ID Token.');
  const json = await sb.call('POST', '/v1/token', { token: null, body: { grantType: 'x', subject_tokn: 'y' } });
  assert.equal(json.json.error.message, 'Invalid JSON payload received. Unknown name "subject_tokn": Cannot find field.');
  const target = 'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.';
  await expectOAuth(stsForm(DISC.replace(PROJECT.number, PROJECT.id), jwt), 'invalid_target', target);
  await expectOAuth(stsForm(providerAudience('kube', 'nope'), jwt), 'invalid_target', target);
  await createPoolAndProvider(sb, 'gone', 'prov', { attributeMapping: mapping, oidc: { issuerUri: SELF_ISSUER } });
  const pAud = `https://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/gone/providers/prov`;
  const pJwt = await mintJwt(kube, ksaClaims(SELF_ISSUER, pAud));
  const prov = `${poolsPath()}/gone/providers/prov`;
  assert.equal((await exchange(stsForm(providerAudience('gone', 'prov'), pJwt))).status, 200);
  await sb.call('PATCH', `${prov}?updateMask=disabled`, { body: { disabled: true } });
  await expectOAuth(stsForm(providerAudience('gone', 'prov'), pJwt), 'invalid_target', target);
  await sb.call('PATCH', `${prov}?updateMask=disabled`, { body: { disabled: false } });
  await sb.call('DELETE', prov);
  await expectOAuth(stsForm(providerAudience('gone', 'prov'), pJwt), 'invalid_target', target);
  await sb.call('POST', `${prov}:undelete`, { body: {} });
  await sb.call('PATCH', `${poolsPath()}/gone?updateMask=disabled`, { body: { disabled: true } });
  await expectOAuth(stsForm(providerAudience('gone', 'prov'), pJwt), 'invalid_target', target);
});

test('GKE identity namespace: KSA token of the gke cluster → principal …/subject/ns/NS/sa/KSA', async () => {
  const gkeKey = await makeKey('RS256', 'gke-key');
  const issuer = `https://container.googleapis.com/v1/projects/${PROJECT.id}/locations/us-central1/clusters/demo-gke`;
  sb.issuers.set(issuer, [gkeKey]);
  const pool = `${PROJECT.id}.svc.id.goog`;
  const jwt = await mintJwt(gkeKey, ksaClaims(issuer, pool, 'team', 'api'));
  const r = await exchange(stsForm(`identitynamespace:${pool}:${issuer}`, jwt));
  assert.equal(r.status, 200, r.text);
  const intro = await sb.call('POST', '/v1/introspect', { form: { token: r.json.access_token }, token: null });
  assert.equal(intro.json.username, `principal://iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/${pool}/subject/ns/team/sa/api`);
  await expectOAuth(stsForm(`identitynamespace:other.svc.id.goog:${issuer}`, jwt), 'invalid_target',
    'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.');
});
