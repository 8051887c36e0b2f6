import { spawn } from 'node:child_process';

/**
 * Run a program (no shell) to completion with node:child_process, collecting its output as text. Never rejects:
 * a spawn failure (`spawnCode`, e.g. ENOENT), a timeout or a cancellation is reported in the result. Used for
 * kubectl instead of execa, whose loading and per-process overhead cost ~60 ms of CPU per `wif init`
 * (bench/RESULTS.md).
 */
export interface ProcessResult {
  stdout: string;
  stderr: string;
  /** Undefined when the process could not start or was killed by a signal. */
  exitCode?: number;
  spawnCode?: string;
  timedOut: boolean;
  canceled: boolean;
}

export interface ProcessOptions {
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, which is closed after it; stdin is ignored without it. */
  input?: string;
  signal?: AbortSignal;
  timeoutMs: number;
}

export function runProcess(bin: string, args: string[], o: ProcessOptions): Promise<ProcessResult> {
  return new Promise((done) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const p = spawn(bin, args, { env: o.env as NodeJS.ProcessEnv, cwd: o.cwd, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
    const kill = () => p.kill('SIGTERM');
    const timer = setTimeout(() => { timedOut = true; kill(); }, o.timeoutMs);
    o.signal?.addEventListener('abort', kill, { once: true });
    const finish = (r: Pick<ProcessResult, 'exitCode' | 'spawnCode'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', kill);
      done({ stdout, stderr, ...r, timedOut, canceled: !!o.signal?.aborted });
    };
    p.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    p.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    p.on('error', (e: NodeJS.ErrnoException) => finish({ spawnCode: e.code }));
    p.on('close', (code) => finish({ exitCode: code ?? undefined }));
    if (o.signal?.aborted) kill();
    // A process that exits without reading its stdin makes the write fail with EPIPE: its exit code says enough.
    p.stdin?.on('error', () => {});
    if (o.input !== undefined) p.stdin?.end(o.input);
  });
}
