import type { Ctx } from './context.js';
import { WifError } from './errors.js';

/**
 * What a command returns; main prints it. `result` is the JSON payload (`{"ok":true,"result":…}`),
 * `text` the human rendering. A command that ran but failed (verify, doctor, jwks diff) sets `error`:
 * JSON then carries both `result` and `error`, and the exit code is the error's.
 */
export interface CommandResult {
  result: unknown;
  text?: string;
  /** Print `text` exactly as is (no newline added), e.g. a file's bytes for `> file` redirection. */
  verbatim?: boolean;
  error?: WifError;
}

export function errorPayload(err: WifError): { code: string; message: string; hint?: string } {
  return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
}

export function printResult(ctx: Ctx, r: CommandResult): void {
  if (ctx.json) {
    const doc = r.error
      ? { ok: false, result: r.result, error: errorPayload(r.error) }
      : { ok: true, result: r.result };
    ctx.io.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return;
  }
  if (r.text !== undefined && r.text !== '') ctx.io.stdout.write(r.text.endsWith('\n') || r.verbatim ? r.text : r.text + '\n');
  if (r.error) printError(ctx, r.error);
}

/** Errors in text mode go to stderr: the message, then the hint. */
export function printError(ctx: Pick<Ctx, 'io' | 'colors' | 'json'>, err: WifError, stack?: string): void {
  if (ctx.json) {
    ctx.io.stdout.write(JSON.stringify({ ok: false, error: errorPayload(err) }, null, 2) + '\n');
    if (stack) ctx.io.stderr.write(stack + '\n');
    return;
  }
  const c = ctx.colors;
  ctx.io.stderr.write(`${c.red('error')}${c.dim(` [${err.code}]`)}: ${err.message}\n`);
  if (err.hint) ctx.io.stderr.write(`${c.cyan('hint')}: ${err.hint}\n`);
  if (stack) ctx.io.stderr.write(c.dim(stack) + '\n');
}
