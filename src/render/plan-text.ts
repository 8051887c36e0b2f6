/**
 * Pure text rendering of a Plan and of what apply did, for humans (JSON output uses plan.ts `planJson`).
 */
import type { Colors } from '../core/color.js';
import type { Action, Plan, Step } from '../plan/plan.js';

const MARK: Record<Action, string> = { create: '+', update: '~', undelete: '+', enable: '+', delete: '-', noop: '=' };
const LABEL: Record<Action, string> = { create: 'create', update: 'update', undelete: 'undelete', enable: 'enable', delete: 'delete', noop: 'ok' };
/** Bindings listed per step before "… and N more". */
const MAX_BINDINGS = 20;

const plain: Pick<Colors, 'green' | 'yellow' | 'red' | 'dim' | 'bold'> = { green: (s) => s, yellow: (s) => s, red: (s) => s, dim: (s) => s, bold: (s) => s };

function paint(c: typeof plain, a: Action, s: string): string {
  if (a === 'noop') return c.dim(s);
  if (a === 'delete') return c.red(s);
  if (a === 'update') return c.yellow(s);
  return c.green(s);
}

function stepLines(s: Step, c: typeof plain): string[] {
  const head = `${MARK[s.action]} ${LABEL[s.action].padEnd(8)} ${s.kind} ${s.resource}${s.fields ? ` [${s.fields.join(', ')}]` : ''}`;
  const lines = [`  ${paint(c, s.action, head)}`, `      ${c.dim(s.reason)}`];
  const b = s.bindings ?? [];
  for (const x of b.slice(0, MAX_BINDINGS)) lines.push(`      ${x.op === 'add' ? c.green('+') : c.red('-')} ${x.role}  ${x.member}`);
  if (b.length > MAX_BINDINGS) lines.push(`      ${c.dim(`… and ${b.length - MAX_BINDINGS} more (--output json lists them all)`)}`);
  return lines;
}

/** The plan as an indented list, one step per entry, with a header naming the project. */
export function renderPlanText(plan: Plan, opts: { title: string; colors?: typeof plain }): string {
  const c = opts.colors ?? plain;
  const lines = [c.bold(opts.title)];
  for (const s of plan.steps) lines.push(...stepLines(s, c));
  return lines.join('\n');
}

/** One line saying how the run ended. */
export function renderOutcome(o: { dryRun: boolean; changes: number; applied: number }): string {
  if (o.changes === 0) return 'Nothing to change: everything is already in place.';
  if (o.dryRun) return `Dry run: ${o.changes} change${o.changes === 1 ? '' : 's'} planned, nothing was changed.`;
  return `Applied ${o.applied} change${o.applied === 1 ? '' : 's'}.`;
}
