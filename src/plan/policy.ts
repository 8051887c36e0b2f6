/**
 * Pure IAM allow-policy edits (research/gcp-api.md §5). wif only ever adds members to, or removes them from,
 * UNCONDITIONAL bindings: conditional bindings, audit configs and every other binding are carried over
 * untouched, and the result is always written as version 3 so conditions survive (a version-1 write over a
 * version-3 policy is rejected, and one without the etag could drop conditions).
 */
import type { BindingChange } from './plan.js';

export interface Expr {
  expression: string;
  title?: string;
  description?: string;
  location?: string;
}
export interface Binding {
  role: string;
  members: string[];
  condition?: Expr;
}
export interface Policy {
  version?: number;
  etag?: string;
  bindings?: Binding[];
  auditConfigs?: unknown[];
}

/** Add `member` to `role`; remove `member` from `role` (`role: '*'` = from every unconditional binding). */
export type PolicyEdit =
  | { op: 'add'; role: string; member: string }
  | { op: 'remove'; role: string; member: string };

/** Google's limit: one policy refers to at most 1,500 principals. */
export const MAX_POLICY_MEMBERS = 1500;

/** Basic roles: refused without --force (they grant far more than a workload needs). */
export const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

function cloneBindings(p: Policy): Binding[] {
  return (p.bindings ?? []).map((b) => ({ ...b, members: [...(b.members ?? [])], ...(b.condition ? { condition: { ...b.condition } } : {}) }));
}

function applyAdd(bindings: Binding[], e: PolicyEdit): boolean {
  let b = bindings.find((x) => x.role === e.role && !x.condition);
  if (b?.members.includes(e.member)) return false;
  if (!b) {
    b = { role: e.role, members: [] };
    bindings.push(b);
  }
  b.members.push(e.member);
  return true;
}

function applyRemove(bindings: Binding[], e: PolicyEdit, changes: BindingChange[]): void {
  for (const b of bindings) {
    if (b.condition || (e.role !== '*' && b.role !== e.role)) continue;
    const i = b.members.indexOf(e.member);
    if (i < 0) continue;
    b.members.splice(i, 1);
    changes.push({ op: 'remove', role: b.role, member: e.member });
  }
}

/**
 * Apply `edits` to `policy`. Returns the new policy (version 3, same etag and audit configs) and the
 * changes that had an effect; an empty `changes` means the policy already says what the edits want.
 */
export function applyPolicyEdits(policy: Policy, edits: readonly PolicyEdit[]): { policy: Policy; changes: BindingChange[] } {
  const bindings = cloneBindings(policy);
  const changes: BindingChange[] = [];
  for (const e of edits) {
    if (e.op === 'add') {
      if (applyAdd(bindings, e)) changes.push({ op: 'add', role: e.role, member: e.member });
    } else applyRemove(bindings, e, changes);
  }
  // Every binding needs at least one member; drop only the ones our removals emptied.
  const kept = bindings.filter((b) => b.members.length > 0 || b.condition !== undefined);
  const out: Policy = { ...policy, version: 3, bindings: kept };
  return { policy: out, changes };
}

/** The distinct members a policy refers to (for the 1,500-principal limit). */
export function countMembers(policy: Policy): number {
  return new Set((policy.bindings ?? []).flatMap((b) => b.members ?? [])).size;
}

/** True when `policy` has a conditional binding (then only version 3 reads/writes are safe). */
export function hasConditions(policy: Policy): boolean {
  return (policy.bindings ?? []).some((b) => !!b.condition);
}
