/**
 * Shared pieces of the workload identity pool/provider API (research/gcp-api.md §1): project resolution
 * (names always carry the project NUMBER), permission checks, resource JSON, long-running operations
 * and paging.
 */
import { randomBytes } from 'node:crypto';
import type { SbResponse } from '../types.js';
import { hasPermission } from './auth.js';
import { badRequest, iamPermissionDenied, json, notFound, rfc3339 } from './http.js';
import type { Permission } from './roles.js';
import type { Call } from './router.js';
import type { PoolRec, ProviderRec } from './state.js';

export const POOLS = String.raw`^/v1/projects/([^/:]+)/locations/([^/:]+)/workloadIdentityPools`;

/**
 * The project number for the path's project segment after the permission check (an unknown project is
 * Google's 403 "denied … (or it may not exist)"), and the location check (only `global` exists).
 */
export function resolveProject(c: Call, permission: Permission, resourcePath: string): string {
  const [projectSeg, location] = c.params;
  const number = c.state.projectNumber(projectSeg);
  const resource = `//iam.googleapis.com/projects/${projectSeg}/locations/${location}${resourcePath}`;
  if (!number || !hasPermission(c.state, c.caller, permission)) throw iamPermissionDenied(permission, resource);
  if (location !== 'global') throw badRequest(`Invalid location "${location}". The only supported location is global.`); // [UNVERIFIED]
  return number;
}

export function poolName(projectNumber: string, poolId: string): string {
  return `projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}`;
}

export function getPool(c: Call, poolId: string): PoolRec {
  const pool = c.state.pools.get(poolId);
  if (!pool) throw notFound();
  return pool;
}

export function getProvider(pool: PoolRec, providerId: string): ProviderRec {
  const prov = pool.providers.get(providerId);
  if (!prov) throw notFound();
  return prov;
}

function lifecycleJson(r: PoolRec | ProviderRec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.displayName) out.displayName = r.displayName;
  if (r.description) out.description = r.description;
  out.state = r.state;
  if (r.disabled) out.disabled = true;
  return out;
}

/** Pool JSON as Google serves it (proto3: false/empty fields omitted; expireTime only when deleted). */
export function poolJson(projectNumber: string, p: PoolRec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: poolName(projectNumber, p.id), ...lifecycleJson(p) };
  if (p.expireTime) out.expireTime = rfc3339(p.expireTime);
  if (p.mode) out.mode = p.mode;
  if (p.sessionDuration) out.sessionDuration = p.sessionDuration;
  return out;
}

export function providerJson(projectNumber: string, poolId: string, p: ProviderRec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: `${poolName(projectNumber, poolId)}/providers/${p.id}`, ...lifecycleJson(p) };
  out.attributeMapping = { ...p.attributeMapping };
  if (p.attributeCondition) out.attributeCondition = p.attributeCondition;
  const oidc: Record<string, unknown> = { issuerUri: p.oidc.issuerUri };
  if (p.oidc.allowedAudiences?.length) oidc.allowedAudiences = [...p.oidc.allowedAudiences];
  if (p.oidc.jwksJson) oidc.jwksJson = p.oidc.jwksJson;
  out.oidc = oidc;
  if (p.expireTime) out.expireTime = rfc3339(p.expireTime);
  return out;
}

/**
 * Record and return an Operation for a change already applied to `resourceName`. It answers `done: false`
 * now and `done: true` from its first GET on, without `response` (gcloud's poller says IAM never fills
 * it; research §1.3), so clients must poll and re-read the resource as they must against Google.
 */
export function operation(c: Call, resourceName: string, kind: 'Pool' | 'PoolProvider'): SbResponse {
  const name = `${resourceName}/operations/bigar${randomBytes(10).toString('hex')}`;
  const body = { name, metadata: { '@type': `type.googleapis.com/google.iam.v1.WorkloadIdentity${kind}OperationMetadata` } };
  c.state.operations.set(name, { body, pendingUntilPolled: true });
  return json(200, { ...body, done: false });
}

export function getOperation(c: Call, name: string): SbResponse {
  const op = c.state.operations.get(name);
  if (!op) throw notFound();
  op.pendingUntilPolled = false;
  return json(200, { ...op.body, done: true });
}

/** Google's paging: `pageSize` (default 50, capped at `max`) and an opaque `pageToken`. */
export function paginate<T>(c: Call, items: T[], max: number): { page: T[]; nextPageToken?: string } {
  const size = Math.min(Number(c.query.get('pageSize') ?? 0) || 50, max);
  const token = c.query.get('pageToken');
  let offset = 0;
  if (token) {
    offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(offset) || offset < 0) throw badRequest('The page token is invalid.', 'page_token'); // [UNVERIFIED]
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined;
  return { page, nextPageToken: next };
}

/** `updateMask` as a set of camelCase paths (ESF also accepts snake_case); missing → 400. */
export function readMask(c: Call): string[] {
  const mask = c.query.get('updateMask') ?? c.query.get('update_mask');
  if (!mask) throw badRequest('The update_mask field is required.', 'update_mask'); // [UNVERIFIED]
  return mask.split(',').map((p) => p.trim().replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()));
}

export const SOFT_DELETE_DAYS = 30;
export function expireAfterDelete(now: Date): Date {
  return new Date(now.getTime() + SOFT_DELETE_DAYS * 86400_000);
}
