/**
 * STS v1 `token` (RFC 8693 token exchange) and `introspect` (research/gcp-api.md §3). Accepts the OAuth
 * form encoding (snake_case, what the auth libraries send) and JSON (camelCase, what `@googleapis/sts`
 * sends); answers Google's OAuth error bodies of §3.3; a federated access token remembers its principal,
 * attributes, pool and provider, and expires with the subject token (capped at 1 h, or the pool's
 * sessionDuration).
 */
import type { JWTPayload } from 'jose';
import { evaluateCondition, evaluateMapping } from '../../plan/cel.js';
import { poolPath } from './auth.js';
import { json, oauthError } from './http.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, readMessage, type Schema } from './schema.js';
import type { Identity, PoolRec, ProviderRec } from './state.js';
import { gkeExchange } from './sts-gke.js';
import { checkAudience, checkIssuer, checkTimes, decodeToken, verifySignature } from './sts-verify.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const SUBJECT_TYPES = ['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token'];
const STS_SCHEMA: Schema = {
  grantType: 'string', audience: 'string', scope: 'string', requestedTokenType: 'string',
  subjectToken: 'string', subjectTokenType: 'string', options: 'string',
};
const BAD_AUDIENCE =
  'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.';
export const INVALID_TARGET =
  'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.';
const AUDIENCE = /^\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;

export type StsRequest = Record<'grantType' | 'audience' | 'scope' | 'requestedTokenType' | 'subjectToken' | 'subjectTokenType', string | undefined>;

/** Both encodings → one camelCase request. */
function readRequest(c: Call): StsRequest {
  const ct = String(c.req.headers['content-type'] ?? '');
  if (ct.includes('json')) return readMessage(STS_SCHEMA, parseJsonBody(c.req.body)) as StsRequest;
  const form = new URLSearchParams(c.req.body.toString('utf8'));
  const get = (k: string) => form.get(k) ?? undefined;
  return {
    grantType: get('grant_type'), audience: get('audience'), scope: get('scope'), requestedTokenType: get('requested_token_type'),
    subjectToken: get('subject_token'), subjectTokenType: get('subject_token_type'),
  };
}

function checkRequest(r: StsRequest): void {
  // [UNVERIFIED] the texts for a wrong grant or subject token type; the others are observed (§3.3).
  if (r.grantType !== TOKEN_EXCHANGE) throw oauthError('unsupported_grant_type', 'Unsupported grant type.');
  if (r.requestedTokenType !== ACCESS_TOKEN_TYPE) throw oauthError('invalid_request', 'Invalid value of requested_token_type in request.');
  if (!SUBJECT_TYPES.includes(r.subjectTokenType ?? '')) throw oauthError('invalid_request', 'Invalid value of subject_token_type in request.');
  if (!r.audience || (!AUDIENCE.test(r.audience) && !r.audience.startsWith('identitynamespace:'))) throw oauthError('invalid_request', BAD_AUDIENCE);
  if (!r.scope?.trim()) throw oauthError('invalid_request', 'Scope(s) must be provided.');
}

/** The pool and provider the audience names, usable for an exchange; else `invalid_target`. */
function target(c: Call, audience: string): { pool: PoolRec; provider: ProviderRec; number: string } {
  const [, project, poolId, providerId] = AUDIENCE.exec(audience)!;
  const number = c.state.deps.project.number;
  const pool = project === number ? c.state.pools.get(poolId) : undefined;
  const provider = pool?.providers.get(providerId);
  if (!pool || !provider || pool.state !== 'ACTIVE' || pool.disabled || provider.state !== 'ACTIVE' || provider.disabled) {
    throw oauthError('invalid_target', INVALID_TARGET);
  }
  return { pool, provider, number };
}

/** Mapping then condition, with Google's runtime errors (research §2.2–2.3). */
export function mapAndAuthorize(provider: ProviderRec, claims: JWTPayload): { subject: string; groups: string[]; attributes: Record<string, string | string[]> } {
  const m = evaluateMapping(provider.attributeMapping, claims);
  const fatal = m.errors.find((e) => e.sts);
  if (fatal?.sts) throw oauthError(fatal.sts.error, fatal.sts.description);
  if (provider.attributeCondition) {
    const r = evaluateCondition(provider.attributeCondition, { assertion: claims, attribute: m.attributes, google: { subject: m.subject, groups: m.groups } });
    if (!r.result) throw oauthError('unauthorized_client', 'The given credential is rejected by the attribute condition.');
  }
  return { subject: m.subject!, groups: m.groups ?? [], attributes: m.attributes };
}

/** Issue the federated token and answer as STS does (`expires_in` = lifetime − 1 s, omitted when < 2 s). */
export function issueFederated(c: Call, identity: Identity, r: StsRequest, claims: JWTPayload, sessionSeconds?: number) {
  const now = c.state.now();
  const remaining = Math.floor((claims.exp as number) - now.getTime() / 1000);
  const lifetime = sessionSeconds ?? Math.min(remaining, 3600);
  const token = c.state.issueToken('d.', {
    identity, issued: now, expires: new Date(now.getTime() + Math.max(lifetime, 1) * 1000), scopes: r.scope!.split(/\s+/).filter(Boolean),
  });
  const body: Record<string, unknown> = { access_token: token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer' };
  if (lifetime - 1 >= 2) body.expires_in = lifetime - 1;
  return json(200, body);
}

async function exchange(c: Call) {
  const r = readRequest(c);
  checkRequest(r);
  const subjectToken = (r.subjectToken ?? '').replace(/\s+$/, '');
  if (r.audience!.startsWith('identitynamespace:')) return gkeExchange(c, r, subjectToken);
  const { pool, provider, number } = target(c, r.audience!);
  const { header, payload } = decodeToken(subjectToken);
  checkIssuer(payload, provider.oidc.issuerUri);
  await verifySignature(c.state, subjectToken, header, provider.oidc);
  checkTimes(payload, c.state.now());
  const resource = `iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${pool.id}/providers/${provider.id}`;
  checkAudience(payload, provider.oidc.allowedAudiences?.length ? provider.oidc.allowedAudiences : [`//${resource}`, `https://${resource}`]);
  const mapped = mapAndAuthorize(provider, payload);
  const identity: Identity = {
    kind: 'federated', poolId: pool.id, providerId: provider.id, principal: `principal://${poolPath(number, pool.id)}/subject/${mapped.subject}`,
    subject: mapped.subject, groups: mapped.groups, attributes: mapped.attributes, extraMembers: [],
  };
  const session = pool.sessionDuration ? Number(pool.sessionDuration.slice(0, -1)) : undefined;
  return issueFederated(c, identity, r, payload, session);
}

/** RFC 7662 introspection; gcloud reads `username` as the account of an external-account credential. */
function introspect(c: Call) {
  const form = new URLSearchParams(c.req.body.toString('utf8'));
  const rec = c.state.tokens.get(form.get('token') ?? '');
  const now = c.state.now();
  if (!rec || (rec.expires && rec.expires <= now)) return json(200, { active: false });
  const id = rec.identity;
  const username = id.kind === 'federated' ? id.principal : id.kind === 'serviceAccount' ? id.email : id.member.replace(/^user:/, '');
  const body: Record<string, unknown> = { active: true, scope: rec.scopes.join(' '), username, sub: username, iat: Math.floor(rec.issued.getTime() / 1000) };
  if (rec.expires) body.exp = Math.floor(rec.expires.getTime() / 1000);
  return json(200, body);
}

export const stsRoutes: Route[] = [
  { method: 'POST', path: /^\/v1\/token$/, rpc: 'google.identity.sts.v1.SecurityTokenService.ExchangeToken', auth: false, handle: exchange },
  { method: 'POST', path: /^\/v1\/introspect$/, rpc: 'google.identity.sts.v1.SecurityTokenService.IntrospectToken', auth: false, handle: introspect },
];
