import { runGrant } from '../apply/grant-flow.js';
import type { Ctx } from '../core/context.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';

/**
 * `wif revoke`: the inverse of grant — the same flags remove the same bindings (without --role, direct access
 * is removed from every unconditional binding on the resource), one read-modify-write per IAM policy.
 */
export async function run(ctx: Ctx, flags: RawFlags): Promise<CommandResult> {
  return runGrant(ctx, flags, 'revoke');
}
