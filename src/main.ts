import { createCtx, type Ctx, type CtxOverrides, type GlobalOptions } from './core/context.js';
import { EXIT_OK, EXIT_USAGE, InterruptedError, UsageError, WifError, EXIT_FAILED } from './core/errors.js';
import { processIO, type IO } from './core/io.js';
import { printError, printResult, type CommandResult } from './core/output.js';
import { makeColors, colorEnabled } from './core/color.js';
import { buildProgram, type Loader } from './cli.js';

export const VERSION = '0.1.0';

export interface RunOptions extends CtxOverrides {
  io?: IO;
}

function globalsFrom(flags: Record<string, unknown>): GlobalOptions {
  return {
    output: flags.json ? 'json' : flags.output === 'json' ? 'json' : 'text',
    config: typeof flags.config === 'string' ? flags.config : './wif.yaml',
    verbose: !!flags.verbose,
    color: flags.color !== false,
  };
}

/** Best-effort view of the global flags before commander has parsed (for errors during parsing). */
function sniffGlobals(argv: string[]): GlobalOptions {
  const i = argv.indexOf('--output');
  const json = argv.includes('--json') || argv.includes('--output=json') || (i >= 0 && argv[i + 1] === 'json');
  return { output: json ? 'json' : 'text', config: './wif.yaml', verbose: argv.includes('--verbose'), color: !argv.includes('--no-color') };
}

/** Turn anything thrown into a WifError; unexpected errors are bugs and say so. */
export function toWifError(e: unknown, signal?: AbortSignal): WifError {
  if (e instanceof WifError) return e;
  if (signal?.aborted || (e instanceof Error && (e.name === 'AbortError' || e.name === 'ExitPromptError'))) return new InterruptedError();
  const msg = e instanceof Error ? e.message : String(e);
  return new WifError('internal', `Unexpected error (a bug in wif): ${msg}`, EXIT_FAILED, {
    hint: 'Re-run with --verbose for the stack trace, and report it.',
    cause: e,
  });
}

/**
 * Run the CLI with `argv` (without node and script) and return the exit code. The only place that
 * prints errors. `opts` injects IO, prompts, clock and signal for in-process tests.
 */
export async function main(argv: string[], opts: RunOptions = {}): Promise<number> {
  const io = opts.io ?? processIO();
  let exitCode = EXIT_OK;
  let ctx: Ctx | undefined;
  const controller = new AbortController();
  const outer = opts.signal;
  if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new InterruptedError());
  };
  const ownProcess = !opts.io;
  if (ownProcess) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  const dispatch = async (name: string, load: Loader, flags: Record<string, unknown>, args: string[]) => {
    ctx = createCtx(io, globalsFrom(flags), { ...opts, signal: controller.signal });
    const mod = await load();
    const r = (await mod.run(ctx as never, flags as never, args)) as CommandResult;
    printResult(ctx, r);
    if (r.error) exitCode = r.error.exitCode;
    void name;
  };

  const program = buildProgram(dispatch, VERSION, { writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      if (err.exitCode === 0) return EXIT_OK;
      const g = sniffGlobals(argv);
      const usage = new UsageError(`usage.${err.code.slice('commander.'.length).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`,
        (err.message ?? 'invalid usage').replace(/^error: /, ''), { hint: 'Run with --help for usage.' });
      printError({ io, json: g.output === 'json', colors: makeColors(colorEnabled(io.env, io.stderr.isTTY, g.color)) }, usage);
      return EXIT_USAGE;
    }
    const g = ctx?.global ?? sniffGlobals(argv);
    const wifErr = toWifError(e, controller.signal);
    const c = ctx ?? { io, json: g.output === 'json', colors: makeColors(colorEnabled(io.env, io.stderr.isTTY, g.color)) };
    const stack = g.verbose && e instanceof Error ? e.stack : undefined;
    printError(c, wifErr, stack);
    exitCode = wifErr.exitCode;
  } finally {
    if (ownProcess) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  return exitCode;
}
