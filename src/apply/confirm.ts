/**
 * The confirmation gate between plan and apply: `--dry-run` stops, `--yes` passes, a terminal asks, anything
 * else (CI, pipes, --output json) without `--yes` is a usage error naming the flag — wif never blocks on a prompt.
 */
import type { Ctx } from '../core/context.js';
import { OperationError, UsageError } from '../core/errors.js';

export type Decision = 'apply' | 'dry-run' | 'nothing';

export interface Gate {
  dryRun: boolean;
  yes: boolean;
}

/**
 * Ask before `changes` changes. `show` is written to stderr before an interactive question (the plan); `what`
 * names the changes in the question. Throws OperationError `cancelled` when the user says no.
 */
export async function confirmChanges(ctx: Ctx, gate: Gate, o: { changes: number; what: string; show?: string; key?: string }): Promise<Decision> {
  if (o.changes === 0) return 'nothing';
  if (gate.dryRun) return 'dry-run';
  if (gate.yes) return 'apply';
  if (!ctx.interactive) {
    throw new UsageError('input.confirm-required', `${o.what}: ${o.changes} change${o.changes === 1 ? '' : 's'} to apply, and there is no terminal to confirm them`, {
      hint: 'Pass --yes to apply without confirmation (CI), or --dry-run to only print the plan.',
    });
  }
  if (o.show) ctx.io.stderr.write(o.show.endsWith('\n') ? o.show : o.show + '\n');
  const ok = await ctx.prompt.confirm({ key: o.key ?? 'apply', message: `${o.what}: apply ${o.changes} change${o.changes === 1 ? '' : 's'}?`, flag: '--yes', default: true });
  if (!ok) throw new OperationError('cancelled', 'Cancelled: nothing was changed.', { hint: 'Re-run with --dry-run to review the plan, or --yes to apply it.' });
  return 'apply';
}
