/**
 * Pure planning of a workload identity pool: get-or-create, undelete when soft-deleted, and drift repair with a
 * PATCH whose updateMask names exactly the changed fields (research/gcp-api.md §1.4, §9.2).
 */
import type { Pool } from '../cloud/google/types.js';
import { poolName } from './names.js';
import type { Step } from './plan.js';

/** What the user wants; an undefined field means "leave as it is". A pool is always wanted enabled. */
export interface PoolWant {
  poolId: string;
  displayName?: string;
  description?: string;
}

export interface ProjectIds {
  projectId: string;
  projectNumber: string;
}

/** The REST path of a pool (clients send the project ID, as gcloud does). */
export function poolPath(projectId: string, poolId: string): string {
  return `v1/projects/${projectId}/locations/global/workloadIdentityPools/${poolId}`;
}

/** `'a' → 'b'` for reasons. */
export function change(field: string, from: unknown, to: unknown): string {
  const f = (v: unknown) => (v === undefined || v === '' ? '(unset)' : JSON.stringify(v));
  return `${field}: ${f(from)} → ${f(to)}`;
}

function poolDiff(want: PoolWant, have: Pool): { fields: string[]; body: Record<string, unknown>; notes: string[] } {
  const fields: string[] = [];
  const body: Record<string, unknown> = {};
  const notes: string[] = [];
  const str = (k: 'displayName' | 'description') => {
    if (want[k] === undefined || want[k] === (have[k] ?? '')) return;
    fields.push(k);
    body[k] = want[k];
    notes.push(change(k, have[k], want[k]));
  };
  str('displayName');
  str('description');
  if (have.disabled) {
    fields.push('disabled');
    body.disabled = false;
    notes.push('disabled: true → false (a disabled pool refuses every token)');
  }
  return { fields, body, notes };
}

/** Steps for one pool: create | [undelete] + update | noop. */
export function planPool(want: PoolWant, have: Pool | undefined, ids: ProjectIds): Step[] {
  const resource = poolName({ projectNumber: ids.projectNumber, poolId: want.poolId });
  const path = poolPath(ids.projectId, want.poolId);
  if (!have) {
    const body: Record<string, unknown> = { disabled: false };
    if (want.displayName !== undefined) body.displayName = want.displayName;
    if (want.description !== undefined) body.description = want.description;
    return [{ action: 'create', kind: 'pool', resource, reason: `pool ${want.poolId} does not exist in project ${ids.projectId}`,
      op: { type: 'pool.create', project: ids.projectId, poolId: want.poolId, body } }];
  }
  const steps: Step[] = [];
  if (have.state === 'DELETED') {
    const until = have.expireTime ? `, purged after ${have.expireTime}` : '';
    steps.push({ action: 'undelete', kind: 'pool', resource,
      reason: `pool ${want.poolId} is soft-deleted (its ID cannot be reused${until}); undelete restores it`,
      op: { type: 'wip.undelete', path } });
  }
  const d = poolDiff(want, have);
  if (d.fields.length) {
    steps.push({ action: 'update', kind: 'pool', resource, reason: d.notes.join('; '), fields: d.fields,
      op: { type: 'wip.patch', path, body: d.body, updateMask: d.fields } });
  } else if (!steps.length) {
    steps.push({ action: 'noop', kind: 'pool', resource, reason: 'exists and matches' });
  }
  return steps;
}
