import { isatty } from 'node:tty';

/** The process edges a command may touch, injectable so tests run commands in-process. */
export interface Writer {
  write(chunk: string): unknown;
  isTTY?: boolean;
}
export interface IO {
  stdout: Writer;
  stderr: Writer;
  stdin: { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
}

export function processIO(): IO {
  // isatty(0), not process.stdin: creating the stdin stream costs milliseconds on every start (bench/RESULTS.md).
  return { stdout: process.stdout, stderr: process.stderr, stdin: { isTTY: isatty(0) }, env: process.env, cwd: process.cwd() };
}

/** A writer that collects everything written (tests). */
export class BufferWriter implements Writer {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}
