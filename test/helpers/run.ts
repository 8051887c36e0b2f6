import { BufferWriter, type IO } from '../../src/core/io.js';
import { main } from '../../src/main.js';
import type { Prompter } from '../../src/core/prompt.js';

export interface WifRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --output json runs). */
  json: any;
}

/**
 * Run wif in-process as a user would from a shell: argv without `wif`, an env (not inherited unless
 * given), a cwd, and optionally scripted prompts.
 */
export async function runWif(argv: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; prompt?: Prompter; signal?: AbortSignal } = {}): Promise<WifRun> {
  const stdout = new BufferWriter();
  const stderr = new BufferWriter();
  const io: IO = { stdout, stderr, stdin: { isTTY: false }, env: { CI: '1', NO_COLOR: '1', ...opts.env }, cwd: opts.cwd ?? process.cwd() };
  const code = await main(argv, { io, prompt: opts.prompt, signal: opts.signal });
  let json: unknown;
  try { json = JSON.parse(stdout.text); } catch { json = undefined; }
  return { code, stdout: stdout.text, stderr: stderr.text, json };
}
