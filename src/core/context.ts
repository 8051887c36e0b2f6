import { colorEnabled, makeColors, type Colors } from './color.js';
import type { IO } from './io.js';
import { createLogger, type Logger } from './log.js';
import { inquirerPrompter, nonInteractivePrompter, type Prompter } from './prompt.js';

export type OutputFormat = 'text' | 'json';

/** Options every command accepts (SPEC §1). */
export interface GlobalOptions {
  output: OutputFormat;
  config: string;
  verbose: boolean;
  color: boolean;
}

/**
 * What a command runs with: IO, global options, a logger on stderr, guarded prompts, colours, a clock and
 * the abort signal raised by Ctrl-C. Commands take everything from here so tests can run them in-process.
 */
export interface Ctx {
  io: IO;
  global: GlobalOptions;
  /** Prompts are allowed: stdin and stdout are TTYs, CI is unset, and output is not JSON. */
  interactive: boolean;
  json: boolean;
  log: Logger;
  prompt: Prompter;
  colors: Colors;
  signal: AbortSignal;
  now(): Date;
}

export interface CtxOverrides {
  prompt?: Prompter;
  signal?: AbortSignal;
  now?: () => Date;
}

export function isInteractive(io: IO, format: OutputFormat): boolean {
  const ci = io.env.CI;
  return !!io.stdin.isTTY && !!io.stdout.isTTY && (ci === undefined || ci === '' || ci === '0' || ci === 'false') && format !== 'json';
}

export function createCtx(io: IO, global: GlobalOptions, over: CtxOverrides = {}): Ctx {
  const json = global.output === 'json';
  const colors = makeColors(colorEnabled(io.env, io.stderr.isTTY, global.color));
  const interactive = over.prompt ? over.prompt.interactive : isInteractive(io, global.output);
  const signal = over.signal ?? new AbortController().signal;
  return {
    io,
    global,
    interactive,
    json,
    log: createLogger(io.stderr, colors, { verbose: global.verbose }),
    prompt: over.prompt ?? (interactive ? inquirerPrompter(signal) : nonInteractivePrompter),
    colors,
    signal,
    now: over.now ?? (() => new Date()),
  };
}
