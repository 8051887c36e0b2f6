/**
 * Walk a Plan through src/cloud/google, one step at a time, with progress on stderr. Apply decides nothing:
 * each step carries its request. It reports what actually changed (a policy edit that another run already made
 * changes nothing; a create answered 409 reports `existed` so the command can look at what exists).
 */
import type { Ctx } from '../core/context.js';
import type { GoogleApi } from '../cloud/google/http.js';
import { editPolicy } from '../cloud/google/iam-policy.js';
import { enableServices } from '../cloud/google/services.js';
import { createServiceAccount } from '../cloud/google/service-accounts.js';
import { createWip, patchWip, undeleteWip } from '../cloud/google/wip.js';
import type { Policy } from '../plan/policy.js';
import type { Action, BindingChange, Plan, Step, StepKind, StepOp } from '../plan/plan.js';
import { poolPath } from '../plan/pool.js';

export interface AppliedStep {
  action: Action;
  kind: StepKind;
  resource: string;
  /** `done`: changed now · `existed`: a create found it already there · `unchanged`: already as wanted when applied. */
  outcome: 'done' | 'existed' | 'unchanged';
  bindings?: BindingChange[];
  /** IAM policies: etag conflicts met and resolved by re-reading. */
  conflicts?: number;
}

const VERB: Record<Action, string> = { create: 'Creating', update: 'Updating', undelete: 'Undeleting', enable: 'Enabling', delete: 'Deleting', noop: 'Checking' };

type Outcome = Pick<AppliedStep, 'outcome' | 'bindings' | 'conflicts'>;

async function run(ctx: Ctx, api: GoogleApi, op: StepOp, onPoll: (ms: number) => void): Promise<Outcome> {
  const w = { signal: ctx.signal, onPoll };
  switch (op.type) {
    case 'services.enable':
      await enableServices(api, op.project, op.services, w);
      return { outcome: 'done' };
    case 'pool.create': {
      const r = await createWip(api, `v1/projects/${op.project}/locations/global/workloadIdentityPools`, 'workloadIdentityPoolId', op.poolId, op.body, { ...w, project: op.project });
      return { outcome: r.existed ? 'existed' : 'done' };
    }
    case 'provider.create': {
      const r = await createWip(api, `${poolPath(op.project, op.poolId)}/providers`, 'workloadIdentityPoolProviderId', op.providerId, op.body, { ...w, project: op.project });
      return { outcome: r.existed ? 'existed' : 'done' };
    }
    case 'wip.patch':
      await patchWip(api, op.path, op.body, op.updateMask, w);
      return { outcome: 'done' };
    case 'wip.undelete':
      await undeleteWip(api, op.path, w);
      return { outcome: 'done' };
    case 'sa.create': {
      const r = await createServiceAccount(api, op.project, op.accountId, op.body);
      return { outcome: r.existed ? 'existed' : 'done' };
    }
    case 'policy.edit': {
      const r = await editPolicy(api, op.target, op.edits, {
        first: op.observed?.policy as Policy | undefined, signal: ctx.signal,
        onConflict: (n) => ctx.log.debug(`${op.target.kind === 'project' ? op.target.projectId : op.target.email}: concurrent policy change (attempt ${n}); re-reading`),
      });
      return { outcome: r.changes.length ? 'done' : 'unchanged', bindings: r.changes, conflicts: r.conflicts };
    }
  }
}

async function applyStep(ctx: Ctx, api: GoogleApi, s: Step): Promise<AppliedStep> {
  const label = `${VERB[s.action]} ${s.kind} ${s.resource}`;
  const h = ctx.log.step(label);
  try {
    const r = await run(ctx, api, s.op!, (ms) => h.update(`${label} (waiting for the operation, ${Math.round(ms / 1000)} s)`));
    h.done(r.outcome === 'done' ? label : `${label}: ${r.outcome === 'existed' ? 'it already exists' : 'already in place'}`);
    return { action: s.action, kind: s.kind, resource: s.resource, ...r };
  } catch (e) {
    h.fail();
    throw e;
  }
}

/** Apply every changing step in order; stops at the first failure (what was applied before stays applied). */
export async function applyPlan(ctx: Ctx, api: GoogleApi, plan: Plan): Promise<AppliedStep[]> {
  const out: AppliedStep[] = [];
  for (const s of plan.steps) {
    if (s.action === 'noop' || !s.op) continue;
    out.push(await applyStep(ctx, api, s));
  }
  return out;
}
