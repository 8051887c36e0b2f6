/**
 * IAM v1 workload identity pool providers (OIDC): create, get, list (`showDeleted`), patch with nested
 * `updateMask` paths (`oidc.jwksJson`, `oidc.allowedAudiences`, `attributeMapping`, …), soft delete,
 * undelete, operations.get (research/gcp-api.md §1–2). The whole provider is validated after a patch.
 */
import { alreadyExists, badRequest, failedPrecondition, json } from './http.js';
import type { Call, Route } from './router.js';
import { parseJsonBody, queryBool, readMessage, type Schema } from './schema.js';
import type { OidcConfig, PoolRec, ProviderRec } from './state.js';
import { validateCondition, validateDisplay, validateId, validateMapping, validateOidc } from './wip-validate.js';
import { expireAfterDelete, getOperation, getPool, getProvider, operation, paginate, poolName, POOLS, providerJson, readMask, resolveProject } from './wip.js';

const OIDC: Schema = { issuerUri: 'string', allowedAudiences: 'stringList', jwksJson: 'string' };
export const PROVIDER_SCHEMA: Schema = {
  name: 'string', displayName: 'string', description: 'string', state: 'string', disabled: 'bool', expireTime: 'string',
  attributeMapping: 'stringMap', attributeCondition: 'string', oidc: { message: OIDC },
  aws: { message: { accountId: 'string' } }, saml: { message: { idpMetadataXml: 'string' } }, x509: 'any',
};
const RPC = 'google.iam.v1.WorkloadIdentityPools.';
const PROVIDERS = `${POOLS}/([^/:]+)/providers`;
const ONE = `${PROVIDERS}/([^/:]+)`;

type ProviderFields = Partial<Omit<ProviderRec, 'oidc'>> & { oidc?: Partial<OidcConfig>; otherType?: string };

function readProvider(c: Call): ProviderFields {
  const r = readMessage(PROVIDER_SCHEMA, parseJsonBody(c.req.body), 'workload_identity_pool_provider') as ProviderFields & Record<string, unknown>;
  const otherType = ['aws', 'saml', 'x509'].find((t) => r[t] !== undefined);
  return { ...r, otherType };
}

/** Validate a complete provider (create, or the result of a patch). */
async function validateProvider(p: ProviderRec): Promise<void> {
  validateDisplay(p);
  await validateOidc(p.oidc);
  validateMapping(p.attributeMapping);
  validateCondition(p.attributeCondition, p.attributeMapping, p.oidc.issuerUri);
}

function usablePool(c: Call, poolId: string): PoolRec {
  const pool = getPool(c, poolId);
  if (pool.state === 'DELETED') throw failedPrecondition('The workload identity pool is deleted. Deleted pools cannot be updated; undelete it first.'); // [UNVERIFIED]
  return pool;
}

async function create(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.create', `/workloadIdentityPools/${c.params[2]}`);
  const id = validateId(c.query.get('workloadIdentityPoolProviderId') ?? c.query.get('workload_identity_pool_provider_id'), 'provider');
  const f = readProvider(c);
  if (f.otherType) throw badRequest(`The sandbox supports OIDC providers only, not ${f.otherType}.`);
  const pool = usablePool(c, c.params[2]);
  if (pool.mode === 'TRUST_DOMAIN') throw failedPrecondition('Providers cannot be created in TRUST_DOMAIN mode pools.'); // [UNVERIFIED]
  const prov: ProviderRec = {
    id, disabled: f.disabled ?? false, state: 'ACTIVE', displayName: f.displayName, description: f.description,
    attributeMapping: f.attributeMapping ?? {}, attributeCondition: f.attributeCondition,
    oidc: { issuerUri: f.oidc?.issuerUri ?? '', allowedAudiences: f.oidc?.allowedAudiences, jwksJson: f.oidc?.jwksJson },
  };
  await validateProvider(prov);
  if (pool.providers.has(id)) throw alreadyExists();
  pool.providers.set(id, prov);
  return operation(c, `${poolName(number, pool.id)}/providers/${id}`, 'PoolProvider');
}

function get(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.get', `/workloadIdentityPools/${c.params[2]}/providers/${c.params[3]}`);
  const pool = getPool(c, c.params[2]);
  return json(200, providerJson(number, pool.id, getProvider(pool, c.params[3])));
}

function list(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.list', `/workloadIdentityPools/${c.params[2]}`);
  const pool = getPool(c, c.params[2]);
  const showDeleted = queryBool(c.query, 'showDeleted');
  const all = [...pool.providers.values()].filter((p) => showDeleted || p.state === 'ACTIVE').sort((a, b) => a.id.localeCompare(b.id));
  const { page, nextPageToken } = paginate(c, all, 100);
  const out: Record<string, unknown> = {};
  if (page.length) out.workloadIdentityPoolProviders = page.map((p) => providerJson(number, pool.id, p));
  if (nextPageToken) out.nextPageToken = nextPageToken;
  return json(200, out);
}

const TOP = ['displayName', 'description', 'disabled', 'attributeMapping', 'attributeCondition'];
const NESTED = ['issuerUri', 'allowedAudiences', 'jwksJson'];

/** Apply one mask path of `f` onto a copy of the provider. */
function applyPath(next: ProviderRec, f: ProviderFields, path: string): void {
  if (['aws', 'saml', 'x509'].includes(path)) throw badRequest(`The provider type cannot be changed from oidc to ${path}.`, 'update_mask'); // [UNVERIFIED] observed: 400
  if (path === 'oidc') { next.oidc = { issuerUri: f.oidc?.issuerUri ?? '', allowedAudiences: f.oidc?.allowedAudiences, jwksJson: f.oidc?.jwksJson }; return; }
  const nested = /^oidc\.(.+)$/.exec(path)?.[1];
  if (nested && NESTED.includes(nested)) { (next.oidc as unknown as Record<string, unknown>)[nested] = (f.oidc as Record<string, unknown> | undefined)?.[nested]; return; }
  if (!TOP.includes(path)) throw badRequest(`Invalid update_mask path: "${path}".`, 'update_mask'); // [UNVERIFIED]
  const v = (f as Record<string, unknown>)[path];
  (next as unknown as Record<string, unknown>)[path] = path === 'disabled' ? (v ?? false) : path === 'attributeMapping' ? (v ?? {}) : v;
}

async function patch(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.update', `/workloadIdentityPools/${c.params[2]}/providers/${c.params[3]}`);
  const mask = readMask(c);
  const f = readProvider(c);
  const pool = usablePool(c, c.params[2]);
  const prov = getProvider(pool, c.params[3]);
  if (prov.state === 'DELETED') throw failedPrecondition('The workload identity pool provider is deleted. Deleted providers cannot be updated; undelete it first.'); // [UNVERIFIED]
  const next: ProviderRec = { ...prov, oidc: { ...prov.oidc }, attributeMapping: { ...prov.attributeMapping } };
  for (const p of mask) applyPath(next, f, p);
  await validateProvider(next);
  pool.providers.set(prov.id, next);
  return operation(c, `${poolName(number, pool.id)}/providers/${prov.id}`, 'PoolProvider');
}

function remove(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.delete', `/workloadIdentityPools/${c.params[2]}/providers/${c.params[3]}`);
  const pool = usablePool(c, c.params[2]);
  const prov = getProvider(pool, c.params[3]);
  if (prov.state === 'DELETED') throw failedPrecondition('The workload identity pool provider is already deleted.'); // [UNVERIFIED]
  prov.state = 'DELETED';
  prov.expireTime = expireAfterDelete(c.state.now());
  return operation(c, `${poolName(number, pool.id)}/providers/${prov.id}`, 'PoolProvider');
}

function undelete(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.undelete', `/workloadIdentityPools/${c.params[2]}/providers/${c.params[3]}`);
  readMessage({}, parseJsonBody(c.req.body));
  const pool = usablePool(c, c.params[2]);
  const prov = getProvider(pool, c.params[3]);
  if (prov.state !== 'DELETED') throw failedPrecondition('The workload identity pool provider is not deleted.'); // [UNVERIFIED]
  prov.state = 'ACTIVE';
  prov.expireTime = undefined;
  return operation(c, `${poolName(number, pool.id)}/providers/${prov.id}`, 'PoolProvider');
}

function getOp(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPoolProviders.get', `/workloadIdentityPools/${c.params[2]}/providers/${c.params[3]}`);
  return getOperation(c, `${poolName(number, c.params[2])}/providers/${c.params[3]}/operations/${c.params[4]}`);
}

export const providerRoutes: Route[] = [
  { method: 'POST', path: new RegExp(`${PROVIDERS}$`), rpc: `${RPC}CreateWorkloadIdentityPoolProvider`, query: ['workloadIdentityPoolProviderId'], handle: create },
  { method: 'GET', path: new RegExp(`${PROVIDERS}$`), rpc: `${RPC}ListWorkloadIdentityPoolProviders`, query: ['pageSize', 'pageToken', 'showDeleted'], handle: list },
  { method: 'GET', path: new RegExp(`${ONE}$`), rpc: `${RPC}GetWorkloadIdentityPoolProvider`, handle: get },
  { method: 'PATCH', path: new RegExp(`${ONE}$`), rpc: `${RPC}UpdateWorkloadIdentityPoolProvider`, query: ['updateMask'], handle: patch },
  { method: 'DELETE', path: new RegExp(`${ONE}$`), rpc: `${RPC}DeleteWorkloadIdentityPoolProvider`, handle: remove },
  { method: 'POST', path: new RegExp(`${ONE}:undelete$`), rpc: `${RPC}UndeleteWorkloadIdentityPoolProvider`, handle: undelete },
  { method: 'GET', path: new RegExp(`${ONE}/operations/([^/:]+)$`), rpc: 'google.longrunning.Operations.GetOperation', handle: getOp },
];
