import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createAksService } from './clouds/aks.js';
import { createEksService } from './clouds/eks.js';
import { EKS_REGION, sandboxWorld, seededRandom } from './clouds/identities.js';
import { createMsiService } from './clouds/msi.js';
import { createControlService } from './control.js';
import { removeEnvFile, sandboxEnv, writeEnvFile } from './env.js';
import { createGoogleServices } from './google/index.js';
import { createKubeCluster } from './kube/index.js';
import { writeKubeconfig } from './kubeconfig.js';
import { listenAll, RequestLog, type Listener, type RequestFilter, type RequestRecord } from './server.js';
import { loadState, sandboxFiles, writeStateFile } from './state.js';
import type { ClusterSpec, FaultOptions, IssuerRegistry, KubeCluster } from './types.js';

/**
 * The local sandbox (SPEC §4): Google APIs + control endpoints on one HTTPS listener, one kube-apiserver listener
 * per platform, an EKS and an Azure ARM listener, all on 127.0.0.1 with the sandbox CA. Writes into `stateDir`:
 * `ca.pem`, `access-token`, `kubeconfig`, `bin/` (exec shims), and `env` last (atomically, once everything listens).
 */
export interface SandboxOptions {
  stateDir: string;
  /** Port of the Google endpoint (default: random). The other listeners always use random ports. */
  port?: number;
  latencyMs?: number;
  failRate?: number;
  conflictRate?: number;
  /** Fixes the derived IDs and makes fault injection reproducible (default: a seed kept in the state dir). */
  seed?: string;
  /** A sandbox service threw (a bug); the message has no secrets. Default: ignored. */
  onError?(message: string): void;
}

export interface SandboxCluster {
  spec: ClusterSpec;
  /** `https://127.0.0.1:PORT` */
  url: string;
}

export interface Sandbox {
  stateDir: string;
  envFile: string;
  /** The env file's variables. */
  env: Record<string, string>;
  googleUrl: string;
  awsUrl: string;
  azureUrl: string;
  project: { id: string; number: string };
  ownerToken: string;
  caPem: string;
  clusters: SandboxCluster[];
  requests(filter?: RequestFilter): RequestRecord[];
  /** All state back to initial; request log cleared. */
  reset(): void;
  /** New signing key for a cluster (by context or key); throws for an unknown cluster. */
  rotateKeys(context: string, keepOld?: boolean): void;
  /** Removes the env file, then closes every listener and connection. */
  stop(): Promise<void>;
}

/** Start the sandbox; resolves once every listener is ready and the env file is written. */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const stateDir = resolve(opts.stateDir);
  const now = () => new Date();
  const state = loadState(stateDir, opts.seed, now());
  const world = sandboxWorld(state.seed);
  const files = sandboxFiles(stateDir);
  const faults: FaultOptions = {
    latencyMs: opts.latencyMs ?? 0, failRate: opts.failRate ?? 0, conflictRate: opts.conflictRate ?? 0,
    random: opts.seed !== undefined ? seededRandom(state.seed) : Math.random,
  };
  const ownerToken = `ya29.sandbox-${randomBytes(32).toString('base64url')}`;
  const adminTokens: Record<string, string> = {
    'self-hosted': `sandbox-kubeadm-${randomBytes(24).toString('base64url')}`,
    eks: `k8s-aws-v1.${randomBytes(48).toString('base64url')}`,
    aks: `sandbox-aad-${randomBytes(32).toString('base64url')}`,
    gke: ownerToken, // gke-gcloud-auth-plugin presents the caller's Google access token
  };
  const urls = new Map<string, string>();
  const kube = world.clusters.map((spec) => createKubeCluster(spec, {
    adminToken: adminTokens[spec.key], baseUrl: () => urls.get(spec.key) ?? '', googleEndpoint: () => urls.get('google') ?? '',
    caPem: () => state.tls.caPem, now,
  }));
  const google = createGoogleServices({
    project: world.project, ownerToken, clusters: world.clusters, issuers: issuerRegistry(kube), faults, now,
    clusterEndpoint: (key) => (urls.has(key) ? { endpoint: urls.get(key)!.replace(/^https:\/\//, ''), caPem: state.tls.caPem } : undefined),
  });
  const log = new RequestLog();
  const cloud = (spec: ClusterSpec) => ({ spec, url: () => urls.get(spec.key) ?? '' });
  const byPlatform = (p: string) => world.clusters.filter((c) => c.platform === p).map(cloud);
  const msi = { path: '/msi/token', identityHeader: randomBytes(16).toString('hex'), token: `sandbox-arm-${randomBytes(32).toString('base64url')}`, now };

  const reset = () => { google.reset(); for (const k of kube) k.reset(); log.clear(); };
  const rotateKeys = (context: string, keepOld: boolean) => {
    const c = kube.find((k) => k.spec.context === context || k.spec.key === context);
    if (!c) return false;
    c.rotateKeys(keepOld);
    return true;
  };
  const info = () => ({ project: world.project, googleUrl: urls.get('google'), awsUrl: urls.get('aws'), azureUrl: urls.get('azure'),
    clusters: world.clusters.map((s) => ({ context: s.context, platform: s.platform, issuer: s.issuer, url: urls.get(s.key), identity: s.identity })) });
  const deps = { tls: { cert: state.tls.certPem, key: state.tls.keyPem }, log, faults, onError: opts.onError };
  const listeners: Listener[] = await listenAll([
    { name: 'google', shape: 'google', services: google.services, injectFaults: true, port: opts.port,
      control: createControlService({ log, reset, rotateKeys, info, setServiceEnabled: google.setServiceEnabled }) },
    { name: 'aws', shape: 'aws', injectFaults: true,
      services: [createEksService({ clusters: byPlatform('eks'), caPem: () => state.tls.caPem, createdAt: state.createdAt })] },
    { name: 'azure', shape: 'azure', injectFaults: true,
      services: [createMsiService(msi), createAksService({ clusters: byPlatform('aks'), subscriptionId: world.azure.subscriptionId })] },
    ...kube.map((k) => ({ name: `kube:${k.spec.key}`, shape: 'kube' as const, services: [k.service], injectFaults: false })),
  ], deps).catch((e) => { throw portError(e, opts.port); });
  for (const l of listeners) urls.set(l.name.replace(/^kube:/, ''), l.url);
  const stop = async () => {
    removeEnvFile(files.env);
    await Promise.all(listeners.map((l) => l.close()));
  };

  try {
    writeStateFile(files.accessToken, ownerToken + '\n');
    writeStateFile(files.caBundle, caBundle(state.tls.caPem, process.env));
    writeKubeconfig(files.kubeconfig, { clusters: world.clusters.map((spec) => ({ spec, url: urls.get(spec.key)! })), caPem: state.tls.caPem,
      binDir: files.bin, adminTokens, accessTokenFile: files.accessToken });
  } catch (e) {
    await stop();
    throw e;
  }
  const env = sandboxEnv({
    stateDir, googleUrl: urls.get('google')!, awsUrl: urls.get('aws')!, azureUrl: urls.get('azure')!, project: world.project,
    awsRegion: EKS_REGION, azureSubscriptionId: world.azure.subscriptionId, msi: { endpoint: `${urls.get('azure')}${msi.path}`, header: msi.identityHeader },
    files, pid: process.pid,
  });
  writeEnvFile(files.env, env);
  return {
    stateDir, envFile: files.env, env, googleUrl: urls.get('google')!, awsUrl: urls.get('aws')!, azureUrl: urls.get('azure')!,
    project: world.project, ownerToken, caPem: state.tls.caPem,
    clusters: world.clusters.map((spec) => ({ spec, url: urls.get(spec.key)! })),
    requests: (f) => log.list(f),
    reset,
    rotateKeys: (context, keepOld = false) => { if (!rotateKeys(context, keepOld)) throw new Error(`no sandbox cluster "${context}"`); },
    stop,
  };
}

/** Issuers the sandbox serves publicly (every cluster but self-hosted, whose issuer Google could never fetch). */
function issuerRegistry(kube: KubeCluster[]): IssuerRegistry {
  const strip = (s: string) => s.replace(/\/+$/, '');
  return {
    lookup(issuer) {
      const c = kube.find((k) => k.spec.platform !== 'self-hosted' && strip(k.spec.issuer) === strip(issuer));
      return c?.issuerDocuments();
    },
  };
}

function portError(e: unknown, port: number | undefined): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (port !== undefined && (code === 'EADDRINUSE' || code === 'EACCES')) {
    return Object.assign(new Error(`cannot listen on 127.0.0.1:${port} (${code})`), { code });
  }
  return e;
}

/**
 * The sandbox CA appended to the machine's trust bundle. Python tools (gcloud's requests, aws-cli) let
 * REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE / AWS_CA_BUNDLE override their own CA settings, and many machines set them:
 * pointing them at this bundle keeps both the sandbox and real hosts trusted in a shell that sourced the env file.
 */
function caBundle(caPem: string, env: NodeJS.ProcessEnv): string {
  const candidates = [env.REQUESTS_CA_BUNDLE, env.CURL_CA_BUNDLE, env.SSL_CERT_FILE, '/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
  for (const f of candidates) {
    if (!f) continue;
    try {
      const system = readFileSync(f, 'utf8');
      if (system.includes('-----BEGIN CERTIFICATE-----') && !system.includes(caPem.trim())) return `${caPem.trim()}\n${system}`;
    } catch { /* try the next one */ }
  }
  return caPem;
}
