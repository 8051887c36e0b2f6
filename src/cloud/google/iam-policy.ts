/**
 * IAM allow policies of projects (Resource Manager v1) and service accounts (IAM v1), and the one safe way wif
 * changes them: read (requestedPolicyVersion 3) → edit → write with the etag; on 409 ABORTED re-read and re-apply
 * the SAME edits, bounded, with jittered backoff (research/gcp-api.md §5). Concurrent runs never lose a binding.
 */
import { OperationError } from '../../core/errors.js';
import { sleep } from '../../core/retry.js';
import type { BindingChange, PolicyTarget } from '../../plan/plan.js';
import { applyPolicyEdits, countMembers, MAX_POLICY_MEMBERS, type Policy, type PolicyEdit } from '../../plan/policy.js';
import { isGoogleError, type CallAbout } from './errors.js';
import type { GoogleApi, GoogleRequest } from './http.js';
import { saPath, saProject } from './service-accounts.js';

function about(t: PolicyTarget, verb: 'getIamPolicy' | 'setIamPolicy'): CallAbout {
  return t.kind === 'project'
    ? { what: 'policy', resource: `projects/${t.projectId}`, permission: `resourcemanager.projects.${verb}`, project: t.projectId }
    : { what: 'policy', resource: `serviceAccounts/${t.email}`, permission: `iam.serviceAccounts.${verb}`, project: saProject(t.email) };
}

/** getIamPolicy, version 3 (CRM takes it in the body, IAM service accounts as a query parameter). Read-only: retried. */
export async function getPolicy(api: GoogleApi, t: PolicyTarget): Promise<Policy> {
  const req: GoogleRequest = t.kind === 'project'
    ? { method: 'POST', service: 'cloudresourcemanager', path: `v1/projects/${t.projectId}:getIamPolicy`, body: { options: { requestedPolicyVersion: 3 } }, about: about(t, 'getIamPolicy'), retry: true }
    : { method: 'POST', service: 'iam', path: `${saPath(t.email)}:getIamPolicy`, query: { 'options.requestedPolicyVersion': '3' }, about: about(t, 'getIamPolicy'), retry: true };
  return api.call<Policy>(req);
}

/** setIamPolicy with the policy's etag (so a retry after a lost answer is refused with 409 rather than applied twice). */
export async function setPolicy(api: GoogleApi, t: PolicyTarget, policy: Policy): Promise<Policy> {
  const path = t.kind === 'project' ? `v1/projects/${t.projectId}:setIamPolicy` : `${saPath(t.email)}:setIamPolicy`;
  const service = t.kind === 'project' ? 'cloudresourcemanager' : 'iam';
  return api.call<Policy>({ method: 'POST', service, path, body: { policy }, about: about(t, 'setIamPolicy'), retry: !!policy.etag });
}

export interface EditResult {
  /** The changes written; empty when the policy already had them (then nothing was written). */
  changes: BindingChange[];
  /** setIamPolicy calls made (1 normally; more after conflicts). */
  writes: number;
  /** Conflicts (409 ABORTED) met and resolved by re-reading. */
  conflicts: number;
}

export interface EditOptions {
  /** A policy already read (e.g. while planning): used for the first attempt, saving a read. */
  first?: Policy;
  /** Read-modify-write attempts (default 12). */
  attempts?: number;
  signal?: AbortSignal;
  random?: () => number;
  onConflict?: (attempt: number) => void;
}

/** Apply `edits` to the policy of `t` with read-modify-write; idempotent (no write when nothing changes). */
export async function editPolicy(api: GoogleApi, t: PolicyTarget, edits: readonly PolicyEdit[], o: EditOptions = {}): Promise<EditResult> {
  const attempts = o.attempts ?? 12;
  const random = o.random ?? Math.random;
  let policy = o.first ?? await getPolicy(api, t);
  for (let attempt = 1; ; attempt++) {
    const { policy: next, changes } = applyPolicyEdits(policy, edits);
    if (!changes.length) return { changes, writes: attempt - 1, conflicts: attempt - 1 };
    if (countMembers(next) > MAX_POLICY_MEMBERS) {
      throw new OperationError('gcp.policy.too-many-members', `${about(t, 'setIamPolicy').resource}: the policy would refer to ${countMembers(next)} principals; Google allows ${MAX_POLICY_MEMBERS}`, {
        hint: 'Grant per namespace (--namespace NS, one principal set) instead of per KSA, or use impersonation (--service-account).',
      });
    }
    try {
      await setPolicy(api, t, next);
      return { changes, writes: attempt, conflicts: attempt - 1 };
    } catch (e) {
      if (!isGoogleError(e, 409, 'ABORTED') || attempt >= attempts) throw e;
      o.onConflict?.(attempt);
      await sleep(Math.round(random() * Math.min(3000, 50 * 2 ** attempt)), o.signal);
      policy = await getPolicy(api, t);
    }
  }
}
