import type { Ctx } from '../core/context.js';
import { NotImplementedError } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';

/** `wif init`: not built yet; says so and exits 1. */
export async function run(_ctx: Ctx, _flags: Record<string, unknown>, _args: string[]): Promise<CommandResult> {
  throw new NotImplementedError('`wif init`');
}
