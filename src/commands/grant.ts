import { runGrant } from '../apply/grant-flow.js';
import type { Ctx } from '../core/context.js';
import type { CommandResult } from '../core/output.js';
import type { RawFlags } from '../model/flags.js';

/**
 * `wif grant`: give Kubernetes service accounts access — direct (their principal on the project or a service
 * account) or by impersonation (--service-account) — with one read-modify-write per IAM policy.
 */
export async function run(ctx: Ctx, flags: RawFlags): Promise<CommandResult> {
  return runGrant(ctx, flags, 'grant');
}
