/**
 * Test harness for the simulated kube-apiserver: serves one cluster over HTTPS on 127.0.0.1:0 with a throwaway CA
 * + leaf from the sandbox's own TLS maker (src/sandbox/tls.ts), writes a kubeconfig (token auth, the CA) and runs the REAL kubectl against it with a
 * private discovery cache. A stub Google endpoint (`/google/...` on the same listener) lets exec tests run the
 * real gcloud without the Google half of the sandbox.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeCluster } from '../src/sandbox/kube/index.js';
import { sandboxTls } from '../src/sandbox/tls.js';
import type { ClusterSpec, KubeCluster, SbRequest } from '../src/sandbox/types.js';

export interface LoggedRequest {
  method: string;
  url: string;
  contentType?: string;
  accept?: string;
  userAgent?: string;
  status: number;
}

export interface KubeHarness {
  url: string;
  dir: string;
  caPem: string;
  adminToken: string;
  cluster: KubeCluster;
  kubeconfig: string;
  requests: LoggedRequest[];
  /** Run the real kubectl with this cluster's kubeconfig; resolves (never rejects) with code/stdout/stderr. */
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Write a file in the harness dir; returns its path. */
  file(name: string, content: string): string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type GoogleStub = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

async function serve(h: KubeHarness, req: IncomingMessage, res: ServerResponse, google?: GoogleStub): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', h.url);
  if (url.pathname.startsWith('/google/') && google) return google(req, body, res);
  const sb: SbRequest = { method: req.method ?? 'GET', url, path: decodeURIComponent(url.pathname), headers: req.headers, body };
  const out = (await h.cluster.service.handle(sb)) ?? { status: 404, body: 'unhandled' };
  h.requests.push({ method: sb.method, url: req.url ?? '', contentType: req.headers['content-type'], accept: req.headers.accept, userAgent: req.headers['user-agent'], status: out.status });
  const payload = typeof out.body === 'string' || Buffer.isBuffer(out.body) ? out.body : JSON.stringify(out.body ?? '');
  res.writeHead(out.status, out.headers ?? {});
  res.end(payload);
}

/** Start one cluster (default: a self-hosted kubeadm-style 1.32 cluster). */
export async function startKube(opts: { spec?: Partial<ClusterSpec>; google?: GoogleStub } = {}): Promise<KubeHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'wif-kube-test-'));
  const made = sandboxTls();
  const tls = { ca: made.caPem, cert: made.certPem, key: made.keyPem };
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  let url = '';
  const spec: ClusterSpec = {
    context: 'self-hosted', key: 'self-hosted', platform: 'self-hosted', issuer: 'https://kubernetes.default.svc.cluster.local',
    gitVersion: 'v1.32.5', identity: {}, ...opts.spec,
  };
  const cluster = createKubeCluster(spec, { adminToken, baseUrl: () => url, googleEndpoint: () => `${url}/google`, caPem: () => tls.ca, now: () => new Date() });
  const h = { dir, caPem: tls.ca, adminToken, cluster, requests: [] as LoggedRequest[] } as unknown as KubeHarness;
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    serve(h, req, res, opts.google).catch((e) => { res.writeHead(500); res.end(String(e)); });
  });
  server.on('upgrade', (req, socket, head) => {
    if (!cluster.service.upgrade?.(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  h.url = url;
  h.kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(join(dir, 'ca.pem'), tls.ca);
  writeFileSync(h.kubeconfig, [
    'apiVersion: v1', 'kind: Config', 'current-context: test',
    'clusters:', '- name: test', '  cluster:', `    server: ${url}`, `    certificate-authority: ${join(dir, 'ca.pem')}`,
    'users:', '- name: admin', '  user:', `    token: ${adminToken}`,
    'contexts:', '- name: test', '  context: {cluster: test, user: admin}', '',
  ].join('\n'));
  h.file = (name, content) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  h.kubectl = (args, o = {}) => new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: h.kubeconfig, ...o.env };
    const child = execFile('kubectl', ['--cache-dir', join(dir, 'cache'), ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
    else child.stdin?.end();
  });
  h.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  };
  return h;
}
