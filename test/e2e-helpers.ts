/**
 * Helpers for the journey's end-to-end tests: one sandbox per test file, a fresh working directory per
 * scenario, wif run in-process (runWif) or spawned from bin/wif.js exactly as a user would.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { httpsJson, type HttpsResult } from './helpers/https.js';
import { runWif, type WifRun } from './helpers/run.js';
import type { Prompter } from '../src/core/prompt.js';

export interface Journey {
  sandbox: Sandbox;
  /** The env a user has after `source STATE/env` (plus PATH and a private HOME). */
  env: Record<string, string | undefined>;
  /** A new empty working directory. */
  workdir(): string;
  wif(argv: string[], cwd: string, prompt?: Prompter): Promise<WifRun>;
  /** `node bin/wif.js ARGV` in `cwd` with `CI=1`, as a user would run it. */
  spawnWif(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string; json: any }>;
  /** A Google API call as the sandbox project's owner. */
  google(method: string, path: string, body?: object): Promise<HttpsResult>;
  stop(): Promise<void>;
}

/** The checkout: the nearest directory above this (built) file that holds bin/wif.js. */
function findRoot(): string {
  for (let d = import.meta.dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'bin', 'wif.js'))) return d;
    if (dirname(d) === d) return process.cwd();
  }
}
const ROOT = findRoot();

export async function startJourney(): Promise<Journey> {
  const base = mkdtempSync(join(tmpdir(), 'wif-journey-'));
  const sandbox = await startSandbox({ stateDir: join(base, 'sandbox') });
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: join(base, 'home'), CI: '1', NO_COLOR: '1', ...sandbox.env };
  let n = 0;
  return {
    sandbox,
    env,
    workdir: () => mkdtempSync(join(base, `w${n++}-`)),
    wif: (argv, cwd, prompt) => runWif(argv, { env, cwd, prompt }),
    spawnWif: (argv, cwd) => new Promise((done, fail) => {
      const p = spawn(process.execPath, [join(ROOT, 'bin', 'wif.js'), ...argv], { cwd, env: env as NodeJS.ProcessEnv });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c) => (stdout += c));
      p.stderr.on('data', (c) => (stderr += c));
      p.on('error', fail);
      p.on('close', (code) => {
        let json: unknown;
        try { json = JSON.parse(stdout); } catch { json = undefined; }
        done({ code: code ?? 1, stdout, stderr, json });
      });
    }),
    google: (method, path, body) => httpsJson(`${sandbox.googleUrl}/${path}`, { method, body, ca: sandbox.caPem, headers: { authorization: `Bearer ${sandbox.ownerToken}` } }),
    async stop() {
      await sandbox.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The stage of a verify result by name. */
export function stage(verify: { stages: { name: string; ok: boolean; status: string; cause?: string; detail: string; fix: string | null }[] }, name: string) {
  const s = verify.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name} in ${JSON.stringify(verify.stages.map((x) => x.name))}`);
  return s;
}

/** The first failed stage's name (undefined when all passed). */
export function failedStage(verify: { stages: { name: string; status: string }[] }): string | undefined {
  return verify.stages.find((x) => x.status === 'failed')?.name;
}
