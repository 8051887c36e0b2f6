/**
 * IAM Credentials `generateAccessToken` (research/gcp-api.md §4.1): the caller (a federated principal, a
 * service account or the owner) needs `iam.serviceAccounts.getAccessToken` on the account, i.e.
 * `roles/iam.workloadIdentityUser` or `roles/iam.serviceAccountTokenCreator` through the account's or
 * the project's policy (the principal itself or a matching principalSet); a missing binding and a
 * nonexistent account get the same 403. `"delegates": null` is accepted; delegation chains are checked.
 */
import { rolesOf } from './auth.js';
import { badRequest, GoogleHttpError, json, rfc3339 } from './http.js';
import { permissionsOf } from './roles.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, readDuration, readMessage, type Schema } from './schema.js';
import type { Identity, ServiceAccountRec } from './state.js';
import { findServiceAccount } from './service-accounts.js';

const SCHEMA: Schema = { delegates: 'stringList', scope: 'stringList', lifetime: 'string' };
const PERMISSION = 'iam.serviceAccounts.getAccessToken';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const SCOPE = /^(https:\/\/www\.googleapis\.com\/auth\/[a-z0-9._-]+|openid|email|profile)$/;

/** The exact 403 of research §4.1 (missing binding, or nonexistent account with `-`). */
export function getAccessTokenDenied(): GoogleHttpError {
  return new GoogleHttpError(403, `Permission '${PERMISSION}' denied on resource (or it may not exist).`, 'PERMISSION_DENIED', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission: PERMISSION } },
  ]);
}

function may(c: Call, who: Identity, sa: ServiceAccountRec, permission: 'iam.serviceAccounts.getAccessToken' | 'iam.serviceAccounts.implicitDelegation'): boolean {
  for (const role of rolesOf(c.state, who, [c.state.projectPolicy, sa.policy])) if (permissionsOf(role).includes(permission)) return true;
  return false;
}

/** Walk caller → delegates… → target; each hop needs the next account's grant. */
function authorizeChain(c: Call, target: ServiceAccountRec, delegates: string[]): void {
  let who: Identity = c.caller.identity;
  for (const d of delegates) {
    const m = /^projects\/-\/serviceAccounts\/([^/]+)$/.exec(d);
    if (!m) throw badRequest(`Invalid form of delegate: ${d}. Delegates must be of the form projects/-/serviceAccounts/{ACCOUNT_EMAIL_OR_UNIQUEID}.`, 'delegates'); // [UNVERIFIED]
    const hop = findServiceAccount(c, m[1]);
    if (!hop || !may(c, who, hop, 'iam.serviceAccounts.implicitDelegation')) throw getAccessTokenDenied();
    who = { kind: 'serviceAccount', email: hop.email };
  }
  if (!may(c, who, target, PERMISSION)) throw getAccessTokenDenied();
}

function lifetimeSeconds(raw: string | undefined): number {
  if (raw === undefined) return 3600;
  const s = readDuration(raw, 'lifetime');
  if (s <= 0) throw badRequest('Lifetime of access token must be larger then zero.', 'lifetime');
  if (s > 3600) {
    // The tail is observed (OBS-M); the start of the message was elided in research. [UNVERIFIED start]
    throw badRequest('The lifetime of the requested access token is too long: access tokens can not have lifetimes of more than 1 hour. Use the Org Policy Constraint constraints/iam.allowServiceAccountCredentialLifetimeExtension to allow up to 12 hours.', 'lifetime');
  }
  return s;
}

function scopesOf(raw: string[] | undefined): string[] {
  if (!raw?.length) throw badRequest('Scope required.', 'scope'); // [UNVERIFIED]
  const scopes = raw.map((s) => (s === '' ? CLOUD_PLATFORM : s));
  const bad = scopes.find((s) => !SCOPE.test(s));
  if (bad !== undefined) throw badRequest(`Invalid OAuth scope or ID token audience provided: ${bad}`, 'scope'); // [UNVERIFIED]
  return scopes;
}

function generateAccessToken(c: Call) {
  const body = readMessage(SCHEMA, parseJsonBody(c.req.body)) as { delegates?: string[]; scope?: string[]; lifetime?: string };
  if (body.lifetime !== undefined) readDuration(body.lifetime, 'lifetime');
  const [projectSeg, account] = c.params;
  const sa = findServiceAccount(c, account);
  if (!sa) throw getAccessTokenDenied();
  authorizeChain(c, sa, body.delegates ?? []);
  if (projectSeg !== '-') throw badRequest('The project ID in the resource name must be the wildcard "-": projects/-/serviceAccounts/{ACCOUNT}.'); // [UNVERIFIED]
  const scopes = scopesOf(body.scope);
  const lifetime = lifetimeSeconds(body.lifetime);
  const now = c.state.now();
  const expires = new Date(now.getTime() + lifetime * 1000);
  const accessToken = c.state.issueToken('c.', { identity: { kind: 'serviceAccount', email: sa.email }, issued: now, expires, scopes });
  return json(200, { accessToken, expireTime: rfc3339(expires) });
}

export const iamCredentialsRoutes: Route[] = [
  {
    method: 'POST', path: /^\/v1\/projects\/([^/:]+)\/serviceAccounts\/([^/:]+):generateAccessToken$/,
    rpc: 'google.iam.credentials.v1.IAMCredentials.GenerateAccessToken', handle: generateAccessToken,
  },
];
