import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClaims, checkCondition, parseDuration, type JwtParts, type ProviderFacts } from '../src/plan/verify.js';
import { diagnoseImpersonation, diagnoseSts, toGoogleFailure, type FixContext } from '../src/plan/verify-errors.js';
import { isValidId, proposeIds } from '../src/plan/ids.js';
import { MAPPING_PRESETS } from '../src/plan/mapping.js';

const ref = { projectNumber: '123456789012', poolId: 'wif-dev-1a2b', providerId: 'k8s-dev' };
const AUD = `https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/wif-dev-1a2b/providers/k8s-dev`;
const ctx: FixContext = { ksa: 'backend/api', serviceAccount: 'app@p.iam.gserviceaccount.com', project: 'p', jwksUploaded: true };
const now = 1_800_000_000;
const token = (over: Partial<JwtParts['claims']> = {}, kid = 'k1'): JwtParts => ({
  header: { alg: 'RS256', kid },
  claims: {
    aud: [AUD], exp: now + 3600, iat: now - 5, iss: 'https://kubernetes.default.svc.cluster.local', sub: 'system:serviceaccount:backend:api',
    'kubernetes.io': { namespace: 'backend', serviceaccount: { name: 'api', uid: 'u' } }, ...over,
  },
});
const provider: ProviderFacts = { ref, issuerUri: 'https://kubernetes.default.svc.cluster.local', allowedAudiences: [], keys: { source: 'uploaded', kids: ['k1'] } };

test('checkClaims passes a good token and names each mismatch', () => {
  assert.ok('ok' in checkClaims(token(), provider, ctx, now));
  const iss = checkClaims(token({ iss: 'https://kubernetes.default.svc.cluster.local/' }), provider, ctx, now);
  assert.equal('cause' in iss && iss.cause, 'issuer-mismatch');
  const aud = checkClaims(token({ aud: ['sts.googleapis.com'] }), provider, ctx, now);
  assert.equal('cause' in aud && aud.cause, 'audience-mismatch');
  const allowed = checkClaims(token(), { ...provider, allowedAudiences: ['custom'] }, ctx, now);
  assert.equal('cause' in allowed && allowed.cause, 'audience-mismatch', 'defaults are refused once allowedAudiences is set');
  const kid = checkClaims(token({}, 'rotated'), provider, ctx, now);
  assert.ok('cause' in kid && kid.cause === 'jwks-stale' && /wif jwks sync/.test(kid.fix));
  const exp = checkClaims(token({ exp: now - 120 }), provider, ctx, now);
  assert.equal('cause' in exp && exp.cause, 'token-expired');
});

test('checkCondition names the refusing clause', () => {
  const cond = "assertion['kubernetes.io']['namespace'] == 'frontend' || assertion.sub == 'system:serviceaccount:ops:deployer'";
  const r = checkCondition(token().claims, MAPPING_PRESETS.kubernetes, cond, ctx);
  assert.ok('cause' in r);
  assert.equal(r.cause, 'condition-refused');
  assert.match(r.detail, /namespace is 'backend', expected 'frontend'/);
  assert.match(r.fix, /--allow-ksa backend\/api/);
  const ok = checkCondition(token().claims, MAPPING_PRESETS.subject, "assertion.sub.startsWith('system:serviceaccount:backend:')", ctx);
  assert.ok('ok' in ok);
});

test('parseDuration', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('soon'), undefined);
});

test('every STS error of research §3.3 maps to its cause', () => {
  const cases: [string, string, string, number?][] = [
    ['invalid_grant', 'The audience in ID Token [https://x] does not match the expected audience.', 'audience-mismatch'],
    ['invalid_grant', 'The issuer in ID Token https://a does not match the expected one in config: https://b.', 'issuer-mismatch'],
    ['invalid_grant', 'Specified identity issuer https://a not found in the configured identity providers.', 'issuer-mismatch'],
    ['invalid_grant', 'ID Token issued at 1 is stale to sign-in.', 'token-expired'],
    ['invalid_grant', 'Unable to verify the ID Token signature.', 'bad-signature'],
    ['invalid_grant', "Error connecting to the given credential's issuer.", 'jwks-stale'],
    ['unauthorized_client', 'The given credential is rejected by the attribute condition.', 'condition-refused'],
    ['unauthorized_client', "The mapped attribute 'google.subject' must be of type STRING.", 'mapping-invalid'],
    ['invalid_request', 'The size of mapped attribute google.subject exceeds the 127 bytes limit. Either …', 'subject-too-long'],
    ['invalid_request', 'Invalid value for "audience". This value should be the full resource name…', 'audience-format'],
    ['invalid_target', 'The target service indicated by the "audience" parameters is invalid.', 'provider-missing'],
    ['quota_exceeded', 'The request was throttled due to rate limit', 'rate-limited', 429],
  ];
  for (const [oauthError, description, cause, status] of cases) {
    const d = diagnoseSts({ status: status ?? 400, oauthError, description, message: description }, ctx);
    assert.equal(d.cause, cause, description);
    assert.ok(d.fix.length > 20, `fix for ${cause}`);
  }
  const open = diagnoseSts({ status: 400, oauthError: 'invalid_grant', description: "Error connecting to the given credential's issuer.", message: '' }, { ...ctx, jwksUploaded: false });
  assert.equal(open.cause, 'issuer-unreachable');
  const propagating = diagnoseSts({ status: 400, oauthError: 'invalid_target', description: 'x', message: '' }, { ...ctx, providerActive: true });
  assert.equal(propagating.propagation, true);
});

test('IAM Credentials errors of research §4.1', () => {
  const denied = diagnoseImpersonation({ status: 403, rpcStatus: 'PERMISSION_DENIED', reason: 'IAM_PERMISSION_DENIED', message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)." }, ctx);
  assert.equal(denied.cause, 'missing-workload-identity-user');
  assert.equal(denied.propagation, true);
  assert.match(denied.fix, /wif grant --ksa backend\/api --service-account app@p/);
  assert.equal(diagnoseImpersonation({ status: 403, reason: 'SERVICE_DISABLED', message: 'x' }, ctx).cause, 'api-disabled');
  assert.equal(diagnoseImpersonation({ status: 400, message: 'Service account … can not have lifetimes of more than 1 hour. Use the Org Policy …' }, ctx).cause, 'lifetime-too-long');
  assert.equal(diagnoseImpersonation({ status: 400, message: 'Lifetime of access token must be larger then zero.' }, ctx).cause, 'lifetime-invalid');
  assert.equal(diagnoseSts({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, ctx).cause, 'network');
});

test('toGoogleFailure reads google-auth-library error shapes', () => {
  const sts = Object.assign(new Error('Error code invalid_grant: Unable to verify the ID Token signature.'), { response: { status: 400, data: { error: 'invalid_grant', error_description: 'Unable to verify the ID Token signature.' } } });
  assert.deepEqual({ ...toGoogleFailure(sts), message: '' }, { status: 400, code: undefined, oauthError: 'invalid_grant', description: 'Unable to verify the ID Token signature.', message: '' });
  const iam = Object.assign(new Error('Request failed with status code 403'), { status: 403, response: { status: 403, data: { error: { code: 403, message: 'denied', status: 'PERMISSION_DENIED', details: [{ reason: 'IAM_PERMISSION_DENIED' }] } } } });
  const f = toGoogleFailure(iam);
  assert.equal(f.reason, 'IAM_PERMISSION_DENIED');
  assert.equal(f.message, 'denied');
});

test('proposed IDs are valid, deterministic and distinct per cluster', () => {
  const eks = { platform: 'eks', identity: { name: 'Prod_Cluster.with-a-very-long-name-indeed-yes', region: 'eu-west-1', accountId: '123456789012' }, issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC' };
  const a = proposeIds(eks);
  assert.deepEqual(proposeIds(eks), a);
  assert.ok(isValidId(a.pool) && isValidId(a.provider), JSON.stringify(a));
  const b = proposeIds({ ...eks, identity: { ...eks.identity, region: 'us-east-1' } });
  assert.notEqual(a.pool, b.pool);
  for (const ctxName of ['kubernetes-admin@kubernetes', 'x', 'kind-dev', '@@@', 'gcp-thing', 'A'.repeat(80)]) {
    const ids = proposeIds({ platform: 'self-hosted', context: ctxName, issuer: 'https://kubernetes.default.svc.cluster.local' });
    assert.ok(isValidId(ids.pool) && isValidId(ids.provider), `${ctxName}: ${JSON.stringify(ids)}`);
  }
  assert.equal(proposeIds({ platform: 'self-hosted', context: 'kubernetes-admin@kubernetes' }).provider, 'k8s-kubernetes');
});
