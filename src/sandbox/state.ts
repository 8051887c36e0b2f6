import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OperationError } from '../core/errors.js';
import { sandboxTls, type SandboxTls } from './tls.js';

/**
 * The state dir: what survives a restart (the seed behind every derived ID, the creation time, the CA and its
 * key, so a trusted `ca.pem` stays valid) and the files the env file points to.
 */
export interface SandboxFiles {
  env: string;
  ca: string;
  /** The sandbox CA plus the machine trust store (for REQUESTS_CA_BUNDLE and friends). */
  caBundle: string;
  caKey: string;
  accessToken: string;
  kubeconfig: string;
  kubeCache: string;
  bin: string;
  state: string;
}

export function sandboxFiles(stateDir: string): SandboxFiles {
  return {
    env: join(stateDir, 'env'), ca: join(stateDir, 'ca.pem'), caBundle: join(stateDir, 'ca-bundle.pem'), caKey: join(stateDir, 'ca-key.pem'),
    accessToken: join(stateDir, 'access-token'), kubeconfig: join(stateDir, 'kubeconfig'),
    kubeCache: join(stateDir, 'kube-cache'), bin: join(stateDir, 'bin'), state: join(stateDir, 'sandbox.json'),
  };
}

export interface SandboxState {
  seed: string;
  createdAt: Date;
  tls: SandboxTls;
}

/**
 * Create or reopen the state dir (0700). Refuses a state dir whose env file names another live sandbox process.
 * `seed` overrides the stored seed (and is stored).
 */
export function loadState(stateDir: string, seed: string | undefined, now: Date): SandboxState {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const f = sandboxFiles(stateDir);
  assertNotRunning(f.env);
  const stored = readJson(f.state);
  const state = {
    seed: seed ?? (typeof stored?.seed === 'string' ? stored.seed : randomBytes(16).toString('hex')),
    createdAt: typeof stored?.createdAt === 'string' && !Number.isNaN(Date.parse(stored.createdAt)) ? new Date(stored.createdAt) : now,
  };
  if (stored?.seed !== state.seed || stored?.createdAt !== state.createdAt.toISOString()) {
    writeStateFile(f.state, JSON.stringify({ version: 1, seed: state.seed, createdAt: state.createdAt.toISOString() }, null, 2) + '\n', 0o600);
  }
  const old = { caPem: readText(f.ca), caKeyPem: readText(f.caKey) };
  const tls = sandboxTls(old, now);
  if (tls.caPem !== old.caPem || tls.caKeyPem !== old.caKeyPem) {
    writeStateFile(f.caKey, tls.caKeyPem, 0o600);
    writeStateFile(f.ca, tls.caPem, 0o644);
  }
  return { ...state, tls };
}

/**
 * Write a file atomically for readers (temp file + rename: a reader sees the old file or the whole new one) but
 * without fsync: the state dir is rebuilt on every start, and nine fsyncs cost ~200 ms of start time on slow disks.
 */
export function writeStateFile(path: string, data: string, mode = 0o600): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function assertNotRunning(envFile: string): void {
  const pid = Number(/^export WIF_SANDBOX_PID=(\d+)$/m.exec(readText(envFile) ?? '')?.[1]);
  if (!pid || pid === process.pid || !alive(pid)) return;
  throw new OperationError('sandbox.already-running', `A sandbox (pid ${pid}) is already running with the state dir of ${envFile}.`, {
    hint: `Stop it first (kill ${pid}), or pass another --state-dir.`,
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readText(path) ?? 'null');
    return v && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}
