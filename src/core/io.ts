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
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
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
