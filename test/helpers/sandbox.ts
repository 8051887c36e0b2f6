import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import type { RequestFilter, RequestRecord } from '../../src/sandbox/server.js';

export { httpsJson } from './https.js';

export interface TestSandbox {
  sandbox: Sandbox;
  /** The env file's variables (pass as runWif's env; NODE_EXTRA_CA_CERTS is honoured in-process via extraCaBundle). */
  env: Record<string, string>;
  googleUrl: string;
  caPem: string;
  stateDir: string;
  /** Requests served so far (same records as GET /_sandbox/requests). */
  requests(filter?: RequestFilter): RequestRecord[];
  /** All sandbox state back to initial, request log cleared. */
  reset(): void;
  /** Stop the listeners and delete the temp state dir. */
  stop(): Promise<void>;
}

/**
 * One in-process sandbox for a test file: random ports, a temp state dir, a fixed seed (reproducible IDs and
 * faults). Start it in `before` and stop it in `after`; call `reset()` between tests that need a clean world.
 */
export async function startTestSandbox(opts: Partial<Omit<SandboxOptions, 'stateDir'>> = {}): Promise<TestSandbox> {
  const stateDir = mkdtempSync(join(tmpdir(), 'wif-sandbox-'));
  const errors: string[] = [];
  const sandbox = await startSandbox({ seed: 'test', ...opts, stateDir, onError: (m) => errors.push(m) });
  return {
    sandbox,
    env: sandbox.env,
    googleUrl: sandbox.googleUrl,
    caPem: sandbox.caPem,
    stateDir,
    requests: (f) => sandbox.requests(f),
    reset: () => sandbox.reset(),
    async stop() {
      await sandbox.stop();
      rmSync(stateDir, { recursive: true, force: true });
      if (errors.length) throw new Error(`sandbox services threw during the tests:\n${errors.join('\n')}`);
    },
  };
}
