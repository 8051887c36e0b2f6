import { resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { assertNoProblems, OperationError, type Problem } from '../core/errors.js';
import type { CommandResult } from '../core/output.js';

interface Flags {
  stateDir?: string;
  port?: string;
  latency?: string;
  failRate?: string;
  conflictRate?: string;
}

interface Parsed {
  stateDir: string;
  port?: number;
  latencyMs: number;
  failRate: number;
  conflictRate: number;
}

/**
 * `wif sandbox start`: validate flags (exit 2 naming each bad one), start the sandbox, write `STATE_DIR/env`, tell
 * the user (stderr) how to use it, serve until SIGINT/SIGTERM, then stop and remove the env file (exit 0).
 * Result: the state dir, env file and env record it served with.
 */
export async function run(ctx: Ctx, flags: Flags, _args: string[]): Promise<CommandResult> {
  const opts = parseFlags(flags, ctx.io.cwd);
  const { startSandbox } = await import('../sandbox/index.js');
  const t0 = performance.now();
  const sandbox = await startSandbox({ ...opts, onError: (m) => ctx.log.warn(`sandbox bug: ${m}`) }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
      throw new OperationError('sandbox.port-unavailable', `--port: ${e.message}`, { hint: 'Pick another --port, or omit it for a random one.' });
    }
    throw e;
  });
  const ms = Math.round(performance.now() - t0);
  ctx.log.info(readyText(sandbox, ms));
  await untilAborted(ctx.signal);
  await sandbox.stop();
  const result = { stateDir: sandbox.stateDir, envFile: sandbox.envFile, startMs: ms, env: sandbox.env };
  return { result, text: `Sandbox stopped; removed ${sandbox.envFile}.` };
}

function readyText(s: Awaited<ReturnType<typeof import('../sandbox/index.js').startSandbox>>, ms: number): string {
  const url = (ctx: string) => s.clusters.find((c) => c.spec.context === ctx)?.url ?? '';
  return [
    `wif sandbox ready in ${ms} ms (pid ${process.pid}).`,
    `  Google APIs  ${s.googleUrl}  project ${s.project.id} (number ${s.project.number})`,
    `  Kubernetes   contexts self-hosted ${url('self-hosted')}, eks ${url('eks')}, aks ${url('aks')}, gke ${url('gke')}`,
    `  EKS          ${s.awsUrl}    Azure ARM ${s.azureUrl}`,
    `  Control      ${s.googleUrl}/_sandbox/requests · /_sandbox/reset · /_sandbox/clusters/CONTEXT/rotate-keys`,
    '',
    'In another shell:',
    `  source ${s.envFile}`,
    '  wif init --context self-hosted      # or eks, aks, gke',
    '',
    'Stop with Ctrl-C (or kill $WIF_SANDBOX_PID); the env file is removed on exit.',
  ].join('\n');
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolveWait) => {
    if (signal.aborted) return resolveWait();
    signal.addEventListener('abort', () => resolveWait(), { once: true });
  });
}

/** All flag problems at once; numbers must be plain decimals in range. */
export function parseFlags(flags: Flags, cwd: string): Parsed {
  const problems: Problem[] = [];
  const num = (flag: string, raw: string | undefined, rule: string, ok: (n: number) => boolean, message: string): number | undefined => {
    if (raw === undefined) return undefined;
    const n = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isFinite(n) || !ok(n)) {
      problems.push({ input: flag, rule, message: `${message}, got "${raw}".` });
      return undefined;
    }
    return n;
  };
  const port = num('--port', flags.port, 'port.range', (n) => Number.isInteger(n) && n <= 65535, 'must be a port number 0–65535 (0 = random)');
  const latencyMs = num('--latency', flags.latency, 'latency.range', (n) => Number.isInteger(n) && n <= 600_000, 'must be whole milliseconds 0–600000');
  const rate = (n: number) => n >= 0 && n <= 1;
  const failRate = num('--fail-rate', flags.failRate, 'fail-rate.range', rate, 'must be a fraction between 0 and 1 (e.g. 0.2)');
  const conflictRate = num('--conflict-rate', flags.conflictRate, 'conflict-rate.range', rate, 'must be a fraction between 0 and 1 (e.g. 0.2)');
  const stateDir = flags.stateDir?.trim() || '.wif-sandbox';
  assertNoProblems(problems);
  return {
    stateDir: resolve(cwd, stateDir), port: port || undefined,
    latencyMs: latencyMs ?? 0, failRate: failRate ?? 0, conflictRate: conflictRate ?? 0,
  };
}
