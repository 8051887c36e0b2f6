/**
 * IAM v1 workload identity pools: create, get, list (`showDeleted`), patch (`updateMask`), soft delete,
 * undelete, operations.get (research/gcp-api.md §1). Soft-deleted pools keep their ID for 30 days
 * (create answers 409 ALREADY_EXISTS) and cannot be updated, only read and listed.
 */
import { badRequest, failedPrecondition, alreadyExists, json } from './http.js';
import type { Route, Call } from './router.js';
import { parseJsonBody, queryBool, readMessage, readDuration, type Schema } from './schema.js';
import type { PoolRec } from './state.js';
import { validateDisplay, validateId, validateSessionDuration } from './wip-validate.js';
import { expireAfterDelete, getOperation, getPool, operation, paginate, poolJson, poolName, POOLS, readMask, resolveProject } from './wip.js';

export const POOL_SCHEMA: Schema = {
  name: 'string', displayName: 'string', description: 'string', state: 'string', disabled: 'bool', expireTime: 'string',
  mode: 'string', sessionDuration: 'string', inlineCertificateIssuanceConfig: 'any', inlineTrustConfig: 'any',
};
const MODES = ['MODE_UNSPECIFIED', 'FEDERATION_ONLY', 'TRUST_DOMAIN'];
const RPC = 'google.iam.v1.WorkloadIdentityPools.';

/** The writable fields of a pool body, validated. */
function readPool(body: Record<string, unknown>): Partial<PoolRec> {
  const r = readMessage(POOL_SCHEMA, body, 'workload_identity_pool');
  if (r.inlineCertificateIssuanceConfig || r.inlineTrustConfig) throw badRequest('The sandbox supports FEDERATION_ONLY pools only (no inline trust or certificate configuration).');
  if (r.mode !== undefined && !MODES.includes(r.mode as string)) throw badRequest(`Invalid value at 'workload_identity_pool.mode' (TYPE_ENUM), ${JSON.stringify(r.mode)}`, 'workload_identity_pool.mode');
  const seconds = r.sessionDuration === undefined ? undefined : readDuration(r.sessionDuration, 'workload_identity_pool.session_duration');
  validateSessionDuration(seconds);
  const out: Partial<PoolRec> = { displayName: r.displayName as string | undefined, description: r.description as string | undefined };
  validateDisplay(out);
  if (r.disabled !== undefined) out.disabled = r.disabled as boolean;
  if (r.mode !== undefined) out.mode = r.mode as string;
  if (seconds !== undefined) out.sessionDuration = `${seconds}s`;
  return out;
}

function create(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.create', '');
  const id = validateId(c.query.get('workloadIdentityPoolId') ?? c.query.get('workload_identity_pool_id'), 'pool');
  const fields = readPool(parseJsonBody(c.req.body));
  if (c.state.pools.has(id)) throw alreadyExists();
  const pool: PoolRec = { id, disabled: false, state: 'ACTIVE', providers: new Map(), ...stripUndefined(fields) };
  c.state.pools.set(id, pool);
  return operation(c, poolName(number, id), 'Pool');
}

function get(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.get', `/workloadIdentityPools/${c.params[2]}`);
  return json(200, poolJson(number, getPool(c, c.params[2])));
}

function list(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.list', '');
  const showDeleted = queryBool(c.query, 'showDeleted');
  const all = [...c.state.pools.values()].filter((p) => showDeleted || p.state === 'ACTIVE').sort((a, b) => a.id.localeCompare(b.id));
  const { page, nextPageToken } = paginate(c, all, 1000);
  const out: Record<string, unknown> = {};
  if (page.length) out.workloadIdentityPools = page.map((p) => poolJson(number, p));
  if (nextPageToken) out.nextPageToken = nextPageToken;
  return json(200, out);
}

const PATCHABLE = ['displayName', 'description', 'disabled', 'sessionDuration'];

function patch(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.update', `/workloadIdentityPools/${c.params[2]}`);
  const mask = readMask(c);
  const pool = getPool(c, c.params[2]);
  for (const p of mask) {
    if (p === 'mode') throw badRequest('The mode of a workload identity pool is immutable.', 'update_mask'); // [UNVERIFIED]
    if (!PATCHABLE.includes(p)) throw badRequest(`Invalid update_mask path: "${p}".`, 'update_mask'); // [UNVERIFIED]
  }
  const fields = readPool(parseJsonBody(c.req.body));
  if (pool.state === 'DELETED') throw failedPrecondition('The workload identity pool is deleted. Deleted pools cannot be updated; undelete it first.'); // [UNVERIFIED]
  const target = pool as unknown as Record<string, unknown>;
  for (const p of mask) target[p] = p === 'disabled' ? (fields.disabled ?? false) : (fields as Record<string, unknown>)[p];
  return operation(c, poolName(number, pool.id), 'Pool');
}

function remove(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.delete', `/workloadIdentityPools/${c.params[2]}`);
  const pool = getPool(c, c.params[2]);
  if (pool.state === 'DELETED') throw failedPrecondition('The workload identity pool is already deleted.'); // [UNVERIFIED]
  pool.state = 'DELETED';
  pool.expireTime = expireAfterDelete(c.state.now());
  return operation(c, poolName(number, pool.id), 'Pool');
}

function undelete(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.undelete', `/workloadIdentityPools/${c.params[2]}`);
  readMessage({}, parseJsonBody(c.req.body));
  const pool = getPool(c, c.params[2]);
  if (pool.state !== 'DELETED') throw failedPrecondition('The workload identity pool is not deleted.'); // [UNVERIFIED]
  pool.state = 'ACTIVE';
  pool.expireTime = undefined;
  return operation(c, poolName(number, pool.id), 'Pool');
}

function getOp(c: Call) {
  const number = resolveProject(c, 'iam.workloadIdentityPools.get', `/workloadIdentityPools/${c.params[2]}`);
  return getOperation(c, `${poolName(number, c.params[2])}/operations/${c.params[3]}`);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const ONE = `${POOLS}/([^/:]+)`;
export const poolRoutes: Route[] = [
  { method: 'POST', path: new RegExp(`${POOLS}$`), rpc: `${RPC}CreateWorkloadIdentityPool`, query: ['workloadIdentityPoolId'], handle: create },
  { method: 'GET', path: new RegExp(`${POOLS}$`), rpc: `${RPC}ListWorkloadIdentityPools`, query: ['pageSize', 'pageToken', 'showDeleted'], handle: list },
  { method: 'GET', path: new RegExp(`${ONE}$`), rpc: `${RPC}GetWorkloadIdentityPool`, handle: get },
  { method: 'PATCH', path: new RegExp(`${ONE}$`), rpc: `${RPC}UpdateWorkloadIdentityPool`, query: ['updateMask'], handle: patch },
  { method: 'DELETE', path: new RegExp(`${ONE}$`), rpc: `${RPC}DeleteWorkloadIdentityPool`, handle: remove },
  { method: 'POST', path: new RegExp(`${ONE}:undelete$`), rpc: `${RPC}UndeleteWorkloadIdentityPool`, handle: undelete },
  { method: 'GET', path: new RegExp(`${ONE}/operations/([^/:]+)$`), rpc: 'google.longrunning.Operations.GetOperation', handle: getOp },
];
