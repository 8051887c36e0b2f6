/**
 * `kubectl exec` over WebSocket (`v5.channel.k8s.io`, also `v4`; research/k8s-clouds.md §3.3): each binary
 * message starts with its channel byte (1 stdout, 2 stderr, 3 status), the status is a metav1.Status
 * (`Success`, or `NonZeroExitCode` with the exit code in details.causes), then a 1000 close. Pods are stored, not
 * run: the command runs against an emulated container (pod-fs.ts, shell.ts). Failures before the upgrade are
 * answered as HTTP responses carrying a Status, as the API server does.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticate, authorize, forbiddenMessage } from './auth.js';
import type { KubeContext } from './context.js';
import { missingConfigMaps, podStatus } from './defaults.js';
import { runGcloud } from './gcloud.js';
import { buildPodFs, containerEnv } from './pod-fs.js';
import { RESOURCES } from './resources.js';
import { NotFoundError, runCommand, type Container, type Io } from './shell.js';
import { errors, KubeStatusError } from './status.js';
import type { KObj } from './store.js';

type O = Record<string, any>;
const PODS = RESOURCES.find((r) => r.kind === 'Pod')!;
const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)\/?$/;

const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false });

function httpError(socket: Duplex, e: KubeStatusError): void {
  const res = e.toResponse();
  const body = String(res.body);
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[e.code] ?? 'Error';
  socket.end(`HTTP/1.1 ${e.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function exitStatus(argv: string[], code: number): O {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function notFoundStatus(ctx: KubeContext, cmd: string): O {
  const id = Buffer.from(`${ctx.now().getTime()}${cmd}`).toString('hex').slice(0, 64);
  const message = `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "${id}": OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`;
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** Checks done before the upgrade; returns the pod and container, or throws the API server's Status. */
function admit(ctx: KubeContext, req: IncomingMessage, ns: string, name: string, url: URL): { pod: KObj; container: O } {
  const user = authenticate(req.headers.authorization, ctx);
  if (!user) throw errors.unauthorized();
  const attrs = { verb: 'create', apiGroup: '', resource: 'pods', subresource: 'exec', namespace: ns, name };
  if (!authorize(user, attrs, ctx.store)) throw errors.forbidden(PODS, name, forbiddenMessage(user, attrs));
  const pod = ctx.store.get(PODS, ns, name);
  if (!pod) throw errors.notFound(PODS, name);
  const wanted = url.searchParams.get('container') ?? pod.spec?.containers?.[0]?.name;
  const container = (pod.spec?.containers ?? []).find((c: O) => c.name === wanted);
  if (!container) throw errors.badRequest(`container ${wanted} is not valid for pod ${name}`);
  pod.status = podStatus(pod, ctx.store, ctx.now());
  if (missingConfigMaps(pod, ctx.store).length) throw errors.badRequest(`container not found ("${wanted}")`);
  if (!url.searchParams.getAll('command').length) throw errors.badRequest('you must specify at least 1 command');
  return { pod, container };
}

/** stdin (channel 0) until the client closes it (v5: channel 255 message [255, 0]) or the socket closes. */
function readStdin(ws: WebSocket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks));
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) chunks.push(data.subarray(1));
      if (data[0] === 255 && data[1] === 0) done();
    });
    ws.on('close', done);
  });
}

async function session(ctx: KubeContext, ws: WebSocket, pod: KObj, container: O, argv: string[], tty: boolean, stdin: boolean): Promise<void> {
  const send = (ch: number, data: string | Buffer) => {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (b.length && ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([ch]), b]));
  };
  const io: Io = { out: (d) => send(1, d), err: (d) => send(tty ? 1 : 2, d) };
  const c: Container = {
    fs: buildPodFs(ctx, pod, container),
    env: containerEnv(ctx, pod, container),
    stdin: stdin && ws.protocol === 'v5.channel.k8s.io' ? await readStdin(ws) : undefined,
    gcloud: (args, gio) => runGcloud({ fs: c.fs, env: c.env, googleEndpoint: ctx.deps.googleEndpoint(), caPem: ctx.deps.caPem() }, args, gio),
  };
  let status: O;
  try {
    status = exitStatus(argv, await runCommand(c, argv, io));
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
    status = notFoundStatus(ctx, e.message);
  }
  send(3, JSON.stringify(status));
  ws.close(1000);
}

/**
 * Handle an HTTP upgrade for `/api/v1/namespaces/NS/pods/NAME/exec`; false when the path is not an exec path.
 * The caller (the framework's listener) must not touch the socket once this returns true.
 */
export function upgradeExec(ctx: KubeContext, ready: () => Promise<void>, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const url = new URL(req.url ?? '/', 'https://sandbox.invalid');
  const m = EXEC_PATH.exec(url.pathname);
  if (!m) return false;
  void ready().then(() => {
    const [, ns, name, sub] = m.map(decodeURIComponent);
    if (sub === 'attach') throw errors.badRequest('attach is not supported by the wif sandbox (pods are stored, not run)');
    const { pod, container } = admit(ctx, req, ns, name, url);
    const argv = url.searchParams.getAll('command');
    const tty = url.searchParams.get('tty') === 'true';
    if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw errors.badRequest(`${String(req.headers.upgrade ?? 'this')} upgrade is not supported by the wif sandbox; kubectl ≥1.30 execs over WebSocket`);
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!PROTOCOLS.some((p) => offered.includes(p))) throw errors.badRequest(`unable to upgrade: none of the offered subprotocols [${offered.join(' ')}] is supported (want ${PROTOCOLS.join(' or ')})`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      session(ctx, ws, pod, container, argv, tty, url.searchParams.get('stdin') === 'true').catch((e) => ws.close(1011, String((e as Error).message).slice(0, 100)));
    });
  }).catch((e) => httpError(socket, e instanceof KubeStatusError ? e : errors.internal((e as Error).message)));
  return true;
}
