/**
 * Workload identity pools and providers (IAM v1, research/gcp-api.md §1). Reads return undefined on 404;
 * writes wait for their operation and return the resource re-read afterwards. A create answered 409 looks at
 * what exists (another run may have created it) instead of failing.
 */
import { OperationError } from '../../core/errors.js';
import { isGoogleError, type CallAbout } from './errors.js';
import type { GoogleApi } from './http.js';
import { waitOperation, type WaitOptions } from './operations.js';
import type { Operation, Pool, Provider } from './types.js';

const POOLS = 'iam.workloadIdentityPools';
const PROVIDERS = 'iam.workloadIdentityPoolProviders';

function kindOf(path: string): { what: 'pool' | 'provider'; perm: string } {
  return path.includes('/providers/') ? { what: 'provider', perm: PROVIDERS } : { what: 'pool', perm: POOLS };
}

function about(path: string, verb: string, project?: string): CallAbout {
  const k = kindOf(path);
  return { what: k.what, resource: path.replace(/^v1\//, ''), permission: `${k.perm}.${verb}`, project };
}

/** GET a pool or provider by REST path; undefined when it does not exist. Soft-deleted ones are returned (state DELETED). */
export async function getWip<T extends Pool | Provider>(api: GoogleApi, path: string, project?: string): Promise<T | undefined> {
  try {
    return await api.call<T>({ method: 'GET', service: 'iam', path, about: about(path, 'get', project), retry: true });
  } catch (e) {
    if (isGoogleError(e, 404)) return undefined;
    throw e;
  }
}

async function reread<T extends Pool | Provider>(api: GoogleApi, path: string, project?: string): Promise<T> {
  const r = await getWip<T>(api, path, project);
  if (!r) throw new OperationError(`gcp.${kindOf(path).what}.vanished`, `${path.replace(/^v1\//, '')} was not found right after it was written`, { hint: 'Something deleted it concurrently; re-run the command.' });
  return r;
}

/** Create a pool or provider in `collection` (its parent path + `/workloadIdentityPools` or `/providers`) and return it re-read. */
export async function createWip<T extends Pool | Provider>(api: GoogleApi, collection: string, idParam: string, id: string, body: unknown, o: WaitOptions & { project?: string } = {}): Promise<{ resource: T; existed: boolean }> {
  const path = `${collection}/${id}`;
  const a = about(path, 'create', o.project);
  try {
    const op = await api.call<Operation>({ method: 'POST', service: 'iam', path: collection, query: { [idParam]: id }, body, about: a, retry: true });
    await waitOperation(api, 'iam', op, a, o);
  } catch (e) {
    // 409: a retried create that had landed, or a concurrent run. Look at what exists; the caller plans again if it differs.
    if (!isGoogleError(e, 409)) throw e;
    return { resource: await reread<T>(api, path, o.project), existed: true };
  }
  return { resource: await reread<T>(api, path, o.project), existed: false };
}

/** PATCH exactly `updateMask`; returns the resource re-read. */
export async function patchWip<T extends Pool | Provider>(api: GoogleApi, path: string, body: unknown, updateMask: string[], o: WaitOptions & { project?: string } = {}): Promise<T> {
  const a = about(path, 'update', o.project);
  const op = await api.call<Operation>({ method: 'PATCH', service: 'iam', path, query: { updateMask: updateMask.join(',') }, body, about: a, retry: true });
  await waitOperation(api, 'iam', op, a, o);
  return reread<T>(api, path, o.project);
}

/** Undelete a soft-deleted pool or provider; one that is already active again counts as done. */
export async function undeleteWip<T extends Pool | Provider>(api: GoogleApi, path: string, o: WaitOptions & { project?: string } = {}): Promise<T> {
  const a = about(path, 'undelete', o.project);
  try {
    const op = await api.call<Operation>({ method: 'POST', service: 'iam', path: `${path}:undelete`, body: {}, about: a, retry: true });
    await waitOperation(api, 'iam', op, a, o);
  } catch (e) {
    const now = isGoogleError(e, 400) ? await getWip<T>(api, path, o.project) : undefined;
    if (now?.state !== 'ACTIVE') throw e;
  }
  return reread<T>(api, path, o.project);
}

/**
 * Every provider of a pool (`poolPath` = `v1/projects/ID/locations/global/workloadIdentityPools/POOL`), all
 * pages; soft-deleted ones are left out (no showDeleted). [] when the pool does not exist.
 */
export async function listProviders(api: GoogleApi, poolPath: string, project?: string): Promise<Provider[]> {
  const path = `${poolPath}/providers`;
  const out: Provider[] = [];
  let pageToken: string | undefined;
  try {
    do {
      const r = await api.call<{ workloadIdentityPoolProviders?: Provider[]; nextPageToken?: string }>({ method: 'GET', service: 'iam', path, query: pageToken ? { pageToken } : undefined, retry: true, about: { what: 'provider', resource: path.replace(/^v1\//, ''), permission: `${PROVIDERS}.list`, project } });
      out.push(...(r.workloadIdentityPoolProviders ?? []));
      pageToken = r.nextPageToken || undefined;
    } while (pageToken);
  } catch (e) {
    if (isGoogleError(e, 404)) return [];
    throw e;
  }
  return out;
}
