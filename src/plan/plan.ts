/**
 * Plan and Step: what a mutating command will do, computed purely from what it wants and what it observed
 * (STYLE.md: observe → plan → confirm → apply). `--dry-run` stops at the plan; `--output json` prints
 * `planJson(plan)`. Each step carries the exact request payload `apply/` sends, so apply never decides anything.
 */
import type { PolicyEdit } from './policy.js';

/** `noop` steps are kept so the plan says what was checked and found in place. */
export type Action = 'create' | 'update' | 'undelete' | 'enable' | 'delete' | 'noop';
export type StepKind = 'services' | 'pool' | 'provider' | 'service-account' | 'iam-policy';

/** A binding change shown in the plan (and what applied actually changed). */
export interface BindingChange {
  op: 'add' | 'remove';
  role: string;
  member: string;
}

/** Where an IAM policy lives. */
export type PolicyTarget =
  | { kind: 'project'; projectId: string }
  | { kind: 'serviceAccount'; email: string };

/** The request apply sends for a step; `undefined` for noop steps. */
export type StepOp =
  | { type: 'services.enable'; project: string; services: string[] }
  | { type: 'pool.create'; project: string; poolId: string; body: Record<string, unknown> }
  | { type: 'provider.create'; project: string; poolId: string; providerId: string; body: Record<string, unknown> }
  | { type: 'wip.patch'; path: string; body: Record<string, unknown>; updateMask: string[] }
  | { type: 'wip.undelete'; path: string }
  | { type: 'sa.create'; project: string; accountId: string; body: Record<string, unknown> }
  | { type: 'policy.edit'; target: PolicyTarget; edits: PolicyEdit[]; observed?: { etag?: string; policy: unknown } };

export interface Step {
  action: Action;
  kind: StepKind;
  /** The resource name a user would look up (`projects/NUMBER/locations/global/workloadIdentityPools/ID`, …). */
  resource: string;
  /** Why this action: what was observed and what differs. */
  reason: string;
  /** For updates: the fields that change (exactly the PATCH updateMask). */
  fields?: string[];
  /** For IAM policies: the bindings added or removed. */
  bindings?: BindingChange[];
  op?: StepOp;
}

export interface Plan {
  steps: Step[];
}

/** True when at least one step changes something. */
export function hasChanges(plan: Plan): boolean {
  return plan.steps.some((s) => s.action !== 'noop');
}

/** The steps that change something. */
export function changingSteps(plan: Plan): Step[] {
  return plan.steps.filter((s) => s.action !== 'noop');
}

/** What a step looks like in JSON output: `{action, kind, resource, reason, fields?, bindings?}` (no payload). */
export function stepJson(s: Step): Record<string, unknown> {
  return {
    action: s.action,
    kind: s.kind,
    resource: s.resource,
    reason: s.reason,
    ...(s.fields ? { fields: s.fields } : {}),
    ...(s.bindings ? { bindings: s.bindings } : {}),
  };
}

/** The JSON form of a plan (SPEC §1: mutating commands → `plan` with `steps`). */
export function planJson(plan: Plan): { steps: Record<string, unknown>[] } {
  return { steps: plan.steps.map(stepJson) };
}
