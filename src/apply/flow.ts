/**
 * The shared tail of every mutating command: plan → show → confirm → apply → report. A create that met an
 * existing resource (409: a concurrent run) makes the command look at what exists and repair drift once.
 */
import type { Ctx } from '../core/context.js';
import { OperationError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';
import { changingSteps, planJson, type Plan } from '../plan/plan.js';
import { renderOutcome, renderPlanText } from '../render/plan-text.js';
import { applyPlan, type AppliedStep } from './apply.js';
import { confirmChanges, type Decision, type Gate } from './confirm.js';
import type { GoogleSession } from './preflight.js';

export interface FlowOptions {
  /** Names the change in the question and the plan title, e.g. `pool my-pool`. */
  what: string;
  /** Observe and plan (read-only). Called again after a create met an existing resource. */
  makePlan(): Promise<Plan>;
}

export interface FlowResult {
  plan: Plan;
  decision: Decision;
  applied: AppliedStep[];
  /** The plan was already shown (before an interactive confirmation). */
  shown: boolean;
}

/** Plan, confirm and apply through `g`; the enable-APIs step of a dry run leads the plan. */
export async function planAndApply(ctx: Ctx, gate: Gate, g: GoogleSession, o: FlowOptions): Promise<FlowResult> {
  const h = ctx.log.step(`Reading the current state of ${o.what}`);
  const made = await o.makePlan().catch((e) => { h.fail(); throw e; });
  h.done();
  const plan: Plan = { steps: [...(g.enableStep ? [g.enableStep] : []), ...made.steps] };
  const title = `Plan for ${o.what} in project ${g.project.id} (${g.project.number}):`;
  const text = renderPlanText(plan, { title, colors: ctx.colors });
  const decision = await confirmChanges(ctx, gate, { changes: changingSteps(plan).length, what: o.what, show: text });
  const shown = decision === 'apply' && !gate.yes && ctx.interactive;
  if (decision !== 'apply') return { plan, decision, applied: [...g.applied], shown };
  const applied = [...g.applied, ...(await applyPlan(ctx, g.api, plan))];
  if (applied.some((a) => a.outcome === 'existed')) applied.push(...(await repairAfterRace(ctx, g, o)));
  return { plan, decision, applied, shown };
}

/** After a 409 on create: plan again against what exists and apply only drift repairs (never a second create). */
async function repairAfterRace(ctx: Ctx, g: GoogleSession, o: FlowOptions): Promise<AppliedStep[]> {
  const again = await o.makePlan();
  const odd = again.steps.find((s) => s.action !== 'noop' && s.action !== 'update' && s.kind !== 'iam-policy');
  if (odd) {
    throw new OperationError('apply.concurrent-change', `${odd.resource} changed while wif was applying (${odd.reason})`, {
      hint: 'Another run or person is changing the same resources; re-run the command once they are done.',
    });
  }
  return applyPlan(ctx, g.api, again);
}

/**
 * The CommandResult of a mutating command. JSON: `{project, plan:{steps}, applied, dryRun, changed, …extra}`.
 * Text: the plan (unless shown before the confirmation), the outcome line, then `notes`.
 */
export function flowReport(ctx: Ctx, g: GoogleSession, f: FlowResult, o: { what: string; extra?: Record<string, unknown>; notes?: string[] }): CommandResult {
  const changes = changingSteps(f.plan).length;
  const outcome = renderOutcome({ dryRun: f.decision === 'dry-run', changes, applied: f.applied.filter((a) => a.outcome === 'done').length });
  const lines: string[] = [];
  if (!f.shown) lines.push(renderPlanText(f.plan, { title: `Plan for ${o.what} in project ${g.project.id} (${g.project.number}):`, colors: ctx.colors }), '');
  lines.push(outcome, ...(o.notes ?? []));
  return {
    text: lines.join('\n'),
    result: {
      project: g.project,
      plan: planJson(f.plan),
      applied: f.applied,
      dryRun: f.decision === 'dry-run',
      changed: f.applied.some((a) => a.outcome === 'done'),
      ...o.extra,
    },
  };
}
