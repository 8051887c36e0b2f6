/**
 * `gcloud auth print-access-token` inside an emulated pod, answered by the REAL installed gcloud: the pod's files
 * are written under a temp root, paths in the container's env and in external_account credential configs
 * (`credential_source.file`) are moved under that root, Google API hosts (*.googleapis.com) in those configs are
 * pointed at the sandbox's Google endpoint (as if the pod's network reached it), and gcloud runs with an empty
 * `CLOUDSDK_CONFIG`, the sandbox CA, GCE metadata checks off, and the container's env. It reads
 * `CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE` exactly as in a real pod (and, like real gcloud, ignores
 * GOOGLE_APPLICATION_CREDENTIALS).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PodFs } from './pod-fs.js';
import type { Io } from './shell.js';

export const GCLOUD_BIN = '/usr/bin/gcloud';
const TIMEOUT_MS = 60_000;

function redirectGoogle(url: unknown, endpoint: string): unknown {
  if (typeof url !== 'string') return url;
  try {
    const u = new URL(url);
    if (!/(^|\.)googleapis\.com$/.test(u.hostname)) return url;
    return `${endpoint.replace(/\/$/, '')}${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** A credential config as it must read under the temp root (or the original bytes when it is not one). */
function rewriteCredConfig(data: Buffer, root: string, endpoint: string): Buffer {
  let cfg: Record<string, any>;
  try {
    cfg = JSON.parse(data.toString('utf8'));
  } catch {
    return data;
  }
  if (!cfg || cfg.type !== 'external_account') return data;
  const src = cfg.credential_source;
  if (src && typeof src.file === 'string' && src.file.startsWith('/')) src.file = join(root, src.file);
  for (const k of ['token_url', 'service_account_impersonation_url', 'token_info_url']) if (k in cfg) cfg[k] = redirectGoogle(cfg[k], endpoint);
  return Buffer.from(JSON.stringify(cfg, null, 2));
}

async function materialize(fs: PodFs, root: string, endpoint: string): Promise<void> {
  for (const d of fs.dirs) await mkdir(join(root, d), { recursive: true });
  for (const [p, data] of fs.files) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), p.endsWith('.json') || data[0] === 0x7b ? rewriteCredConfig(data, root, endpoint) : data);
  }
}

function underFs(fs: PodFs, value: string): boolean {
  return value.startsWith('/') && value !== '/' && (fs.files.has(value) || [...fs.dirs].some((d) => d !== '/' && (value === d || value.startsWith(`${d}/`))));
}

export interface GcloudRun {
  fs: PodFs;
  env: Map<string, string>;
  googleEndpoint: string;
  caPem: string;
  /** Defaults to the installed gcloud. */
  bin?: string;
}

/** Run `gcloud <args>` for a pod; streams output (temp paths mapped back to pod paths); resolves to the exit code. */
export async function runGcloud(run: GcloudRun, args: string[], io: Io): Promise<number> {
  const tmp = await mkdtemp(join(tmpdir(), 'wif-sandbox-pod-'));
  const root = join(tmp, 'root');
  try {
    await materialize(run.fs, root, run.googleEndpoint);
    await mkdir(join(tmp, 'config'), { recursive: true });
    await writeFile(join(tmp, 'config', 'gce'), 'False');
    await writeFile(join(tmp, 'ca.pem'), run.caPem);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TMPDIR: tmp };
    for (const [k, v] of run.env) if (k !== 'PATH') env[k] = underFs(run.fs, v) ? join(root, v) : v;
    Object.assign(env, {
      HOME: join(tmp, 'home'), CLOUDSDK_CONFIG: join(tmp, 'config'), CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: join(tmp, 'ca.pem'),
      CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false', CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
      CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true', CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    });
    return await spawnStreaming(run.bin ?? GCLOUD_BIN, args, env, io, root);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function spawnStreaming(bin: string, args: string[], env: Record<string, string>, io: Io, root: string): Promise<number> {
  const unroot = (b: Buffer) => b.toString('utf8').split(root).join('');
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => io.out(unroot(b)));
    child.stderr.on('data', (b: Buffer) => io.err(unroot(b)));
    child.on('error', (e) => {
      io.err(`sh: 1: gcloud: ${e.message}\n`);
      clearTimeout(timer);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 137 : 1));
    });
  });
}
