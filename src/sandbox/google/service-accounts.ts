/**
 * IAM v1 service accounts: create (accountId rules), get (by email or unique id, project or `-`), list,
 * getIamPolicy (version as the `options.requestedPolicyVersion` query parameter, no body) and
 * setIamPolicy (research/gcp-api.md §5.2). A new account's policy is `{"version":1,"etag":"ACAB"}`.
 */
import { hasPermission } from './auth.js';
import { alreadyExists, badRequest, GoogleHttpError, iamPermissionDenied, json, notFound } from './http.js';
import { checkVersion, EMPTY_ETAG, renderPolicy, setPolicy, SET_IAM_POLICY_SCHEMA } from './policy.js';
import type { Permission } from './roles.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, queryInt, readMessage, type Schema } from './schema.js';
import type { ServiceAccountRec } from './state.js';
import { paginate } from './wip.js';

const SA_FIELDS: Schema = {
  name: 'string', projectId: 'string', uniqueId: 'string', email: 'string', displayName: 'string', etag: 'bytes',
  description: 'string', oauth2ClientId: 'string', disabled: 'bool',
};
const CREATE_SCHEMA: Schema = { accountId: 'string', serviceAccount: { message: SA_FIELDS } };
const RPC = 'google.iam.admin.v1.IAM.';
const BASE = String.raw`^/v1/projects/([^/:]+)/serviceAccounts`;
const ONE = `${BASE}/([^/:]+)`;

export function serviceAccountJson(projectId: string, sa: ServiceAccountRec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: `projects/${projectId}/serviceAccounts/${sa.email}`, projectId, uniqueId: sa.uniqueId, email: sa.email };
  if (sa.displayName) out.displayName = sa.displayName;
  out.etag = 'MDEwMjE5MjA=';
  if (sa.description) out.description = sa.description;
  out.oauth2ClientId = sa.uniqueId;
  if (sa.disabled) out.disabled = true;
  return out;
}

/** The service account named by `idOrEmail` (email or unique id), or undefined. */
export function findServiceAccount(c: Call, idOrEmail: string): ServiceAccountRec | undefined {
  const byEmail = c.state.serviceAccounts.get(idOrEmail.toLowerCase());
  return byEmail ?? [...c.state.serviceAccounts.values()].find((s) => s.uniqueId === idOrEmail);
}

function requireProject(c: Call, permission: Permission): void {
  const seg = c.params[0];
  const ok = (seg === '-' || c.state.projectNumber(seg)) && hasPermission(c.state, c.caller, permission);
  if (!ok) throw iamPermissionDenied(permission, `//iam.googleapis.com/projects/${seg}`);
}

/** The addressed account after a permission check on it (404 `Unknown service account` when absent). */
function target(c: Call, permission: Permission): ServiceAccountRec {
  const seg = c.params[0];
  const sa = findServiceAccount(c, c.params[1]);
  const known = seg === '-' || c.state.projectNumber(seg);
  if (!known || !hasPermission(c.state, c.caller, permission, sa?.policy)) {
    if (permission.endsWith('IamPolicy')) {
      throw new GoogleHttpError(403, `Permission ${permission} is required to perform this operation on service account projects/${seg}/serviceAccounts/${c.params[1]}.`, 'PERMISSION_DENIED');
    }
    throw iamPermissionDenied(permission, `//iam.googleapis.com/projects/${seg}/serviceAccounts/${c.params[1]}`);
  }
  if (!sa) throw notFound('Unknown service account');
  return sa;
}

function validateAccount(accountId: string | undefined, f: Record<string, unknown>): string {
  if (!accountId) throw badRequest('The account ID must be specified.', 'account_id'); // [UNVERIFIED]
  if (accountId.length < 6 || accountId.length > 30) throw badRequest(`The account ID "${accountId}" does not have a length between 6 and 30.`, 'account_id');
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])$/.test(accountId)) throw badRequest(`${accountId} does not match [a-z][a-z\\d\\-]*[a-z\\d].`, 'account_id');
  if (typeof f.displayName === 'string' && Buffer.byteLength(f.displayName) > 100) throw badRequest('The display name must be at most 100 bytes long.', 'service_account.display_name'); // [UNVERIFIED]
  if (typeof f.description === 'string' && Buffer.byteLength(f.description) > 256) throw badRequest('The description must be at most 256 bytes long.', 'service_account.description'); // [UNVERIFIED]
  return accountId;
}

function create(c: Call) {
  requireProject(c, 'iam.serviceAccounts.create');
  const body = readMessage(CREATE_SCHEMA, parseJsonBody(c.req.body));
  const f = (body.serviceAccount ?? {}) as Record<string, unknown>;
  const accountId = validateAccount(body.accountId as string | undefined, f);
  const projectId = c.state.deps.project.id;
  const email = `${accountId}@${projectId}.iam.gserviceaccount.com`;
  if (c.state.serviceAccounts.has(email)) throw alreadyExists(`Service account ${accountId} already exists within project projects/${projectId}.`);
  const sa: ServiceAccountRec = {
    accountId, email, uniqueId: c.state.newUniqueId(), disabled: false,
    displayName: f.displayName as string | undefined, description: f.description as string | undefined,
    policy: { bindings: [], etag: EMPTY_ETAG },
  };
  c.state.serviceAccounts.set(email, sa);
  return json(200, serviceAccountJson(projectId, sa));
}

function get(c: Call) {
  return json(200, serviceAccountJson(c.state.deps.project.id, target(c, 'iam.serviceAccounts.get')));
}

function list(c: Call) {
  requireProject(c, 'iam.serviceAccounts.list');
  const all = [...c.state.serviceAccounts.values()].sort((a, b) => a.email.localeCompare(b.email));
  const { page, nextPageToken } = paginate(c, all, 100);
  const out: Record<string, unknown> = {};
  if (page.length) out.accounts = page.map((s) => serviceAccountJson(c.state.deps.project.id, s));
  if (nextPageToken) out.nextPageToken = nextPageToken;
  return json(200, out);
}

function getIamPolicy(c: Call) {
  const sa = target(c, 'iam.serviceAccounts.getIamPolicy');
  readMessage({}, parseJsonBody(c.req.body));
  const version = queryInt(c.query, 'options.requestedPolicyVersion') ?? 0;
  checkVersion(version, 'Requested');
  return json(200, renderPolicy(sa.policy, version));
}

function setIamPolicy(c: Call) {
  const sa = target(c, 'iam.serviceAccounts.setIamPolicy');
  const body = readMessage(SET_IAM_POLICY_SCHEMA, parseJsonBody(c.req.body));
  sa.policy = setPolicy(c.state, { kind: 'serviceAccount', current: sa.policy }, body);
  return json(200, renderPolicy(sa.policy, 3));
}

export const serviceAccountRoutes: Route[] = [
  { method: 'POST', path: new RegExp(`${BASE}$`), rpc: `${RPC}CreateServiceAccount`, handle: create },
  { method: 'GET', path: new RegExp(`${BASE}$`), rpc: `${RPC}ListServiceAccounts`, query: ['pageSize', 'pageToken'], handle: list },
  { method: 'GET', path: new RegExp(`${ONE}$`), rpc: `${RPC}GetServiceAccount`, handle: get },
  { method: 'POST', path: new RegExp(`${ONE}:getIamPolicy$`), rpc: `${RPC}GetIamPolicy`, query: ['options.requestedPolicyVersion'], handle: getIamPolicy },
  { method: 'POST', path: new RegExp(`${ONE}:setIamPolicy$`), rpc: `${RPC}SetIamPolicy`, handle: setIamPolicy },
];
