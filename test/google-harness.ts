/**
 * Shared setup for the Google-side integration tests (google*.test.ts, grant*.test.ts): one full sandbox per test
 * file on random ports, wif run in-process or as a spawned process exactly as bin/wif.js runs it, gcloud pointed at
 * the same sandbox as an oracle, and request counting from the sandbox's request log.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../src/sandbox/index.js';
import type { RequestRecord } from '../src/sandbox/server.js';
import type { Prompter } from '../src/core/prompt.js';
import { httpsJson, type HttpsResult } from './helpers/https.js';
import { startTestSandbox } from './helpers/sandbox.js';
import { runWif, type WifRun } from './helpers/run.js';

export interface GoogleHarness {
  sb: Sandbox;
  dir: string;
  /** The env a user gets by sourcing the sandbox env file (plus PATH/HOME; nothing else from this process). */
  env: Record<string, string>;
  /** A fresh working directory (its own wif.yaml). */
  workdir(): string;
  wif(argv: string[], o?: { cwd?: string; prompt?: Prompter; env?: Record<string, string> }): Promise<WifRun>;
  /** Spawn the built CLI as a user would (`node bin/wif.js …`, same entry code). */
  spawnWif(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }>;
  gcloud(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A raw call to the sandbox's Google API as the project owner (test setup only). */
  api(method: string, path: string, body?: unknown): Promise<HttpsResult>;
  /** The last request sequence number (pass it to `since`). */
  mark(): number;
  /** Google requests served after `since`. */
  requests(since: number): RequestRecord[];
  /** Mutating Google requests after `since` (every non-GET except getIamPolicy/testIamPermissions). */
  mutating(since: number): RequestRecord[];
  close(): Promise<void>;
}

/** Reads are GETs and the read-only POST methods. */
export function isMutating(r: Pick<RequestRecord, 'method' | 'path'>): boolean {
  return r.method !== 'GET' && !/:(getIamPolicy|testIamPermissions)$/.test(r.path);
}

const MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

export async function googleHarness(o: { failRate?: number; conflictRate?: number } = {}): Promise<GoogleHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'wif-google-'));
  // A fixed seed makes the injected faults reproducible run to run (the interleaving of processes still varies).
  const t = await startTestSandbox({ seed: 'google-side', failRate: o.failRate, conflictRate: o.conflictRate });
  const sb = t.sandbox;
  const env: Record<string, string> = { ...sb.env, PATH: process.env.PATH ?? '', HOME: dir, CLOUDSDK_CONFIG: join(dir, 'gcloud') };
  let n = 0;
  const requests = (since: number) => sb.requests({ since, listener: 'google' }).filter((r) => !r.path.startsWith('/_sandbox'));
  return {
    sb, dir, env,
    workdir: () => mkdtempSync(join(dir, `w${n++}-`)),
    wif: (argv, w = {}) => runWif(argv, { env: { ...env, ...w.env }, cwd: w.cwd ?? dir, prompt: w.prompt }),
    spawnWif: (argv, cwd) => new Promise((resolve) => {
      // What bin/wif.js does, with this build's main (dist/src/main.js under `npm test`).
      const code = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
      const p = spawn(process.execPath, ['--input-type=module', '-e', code, ...argv], { cwd, env: { ...env, CI: '1', NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c) => { stdout += c; });
      p.stderr.on('data', (c) => { stderr += c; });
      p.on('close', (c) => resolve({ code: c ?? 1, stdout, stderr }));
    }),
    gcloud: (...args) => new Promise((resolve) => {
      execFile('gcloud', [...args, `--access-token-file=${sb.env.WIF_ACCESS_TOKEN_FILE}`, '--quiet'], { env, timeout: 90_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    }),
    // The test's own reads go through the same fault injection as wif: retry the injected 503s.
    api: async (method, path, body) => {
      for (let i = 0; ; i++) {
        const r = await httpsJson(`${sb.googleUrl}${path}`, { method, body: body as object | undefined, ca: sb.caPem, headers: { authorization: `Bearer ${sb.ownerToken}` } });
        if (r.status !== 503 || i >= 20) return r;
      }
    },
    mark: () => sb.requests().at(-1)?.seq ?? 0,
    requests,
    mutating: (since) => requests(since).filter(isMutating),
    close: async () => {
      rmSync(dir, { recursive: true, force: true });
      await t.stop();
    },
  };
}
