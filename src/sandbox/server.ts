import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { redact } from '../core/log.js';
import { failure, notFound, type ErrorShape } from './shapes.js';
import type { FaultOptions, SbRequest, SbResponse, SbService } from './types.js';

/**
 * The sandbox's HTTP framework: HTTPS listeners on 127.0.0.1, the request log, latency and fault injection.
 * Services only map a request to a response (types.ts). Per request: body collected → control endpoints (no
 * latency, no faults, not logged) → `latencyMs` → for cloud listeners a `failRate` fraction answered 503 in the
 * cloud's shape → the services in order → 404 in the listener's shape (never a silent 200).
 */

export type { ErrorShape };

/** One request as `GET /_sandbox/requests` shows it. Headers are never recorded (no Authorization, no tokens). */
export interface RequestRecord {
  seq: number;
  time: string;
  method: string;
  /** Percent-decoded path, without the query. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  status: number;
  /** The service that answered (`iam`, `kube:eks`, `aws:eks`, `azure:aks`, …) or the listener name for 404s/faults. */
  service: string;
  /** The listener: `google`, `aws`, `azure`, `kube:<key>`. */
  listener: string;
  port: number;
  /** Set when the answer was an injected fault. */
  fault?: 'unavailable';
  userAgent?: string;
}

export interface RequestFilter {
  since?: number;
  service?: string;
  listener?: string;
}

/** Every request served, in order, with a monotonically increasing `seq` (cleared by reset). */
export class RequestLog {
  private entries: RequestRecord[] = [];
  private seq = 0;
  constructor(private readonly max = 50_000) {}
  add(r: Omit<RequestRecord, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...r });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }
  list(f: RequestFilter = {}): RequestRecord[] {
    return this.entries.filter((e) => (f.since === undefined || e.seq > f.since)
      && (f.service === undefined || e.service === f.service) && (f.listener === undefined || e.listener === f.listener));
  }
  clear(): void {
    this.entries = [];
    this.seq = 0;
  }
}

export interface ListenerSpec {
  /** `google`, `aws`, `azure`, `kube:<key>`. */
  name: string;
  shape: ErrorShape;
  services: SbService[];
  /** Answered first: no latency, no faults, not logged (the `/_sandbox/*` endpoints). */
  control?: SbService;
  /** `failRate` applies (Google, AWS, Azure; not kube). */
  injectFaults: boolean;
  port?: number;
}

export interface ListenerDeps {
  tls: { cert: string; key: string };
  log: RequestLog;
  faults: FaultOptions;
  /** Called with a service's unexpected exception (a sandbox bug), already without secrets. */
  onError?(message: string): void;
}

export interface Listener {
  name: string;
  port: number;
  /** `https://127.0.0.1:PORT` */
  url: string;
  close(): Promise<void>;
}

/** Start one HTTPS listener on 127.0.0.1 (`spec.port` or a random port). */
export async function listen(spec: ListenerSpec, deps: ListenerDeps): Promise<Listener> {
  const server = createServer({ cert: deps.tls.cert, key: deps.tls.key });
  let port = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serve(spec, deps, port, req, res).catch((e) => {
      deps.onError?.(redact(`${spec.name}: ${errorText(e)}`));
      if (!res.headersSent) send(res, failure(spec.shape, 500));
      else res.destroy();
    });
  });
  // Upgraded sockets (kube exec) leave the HTTP server's bookkeeping: track them so close() can end them.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    upgrade(spec, deps, port, req, socket, head);
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port ?? 0, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  port = (server.address() as AddressInfo).port;
  return { name: spec.name, port, url: `https://127.0.0.1:${port}`, close: () => closeServer(server, upgraded) };
}

/** Start several listeners; if any fails, close the others and rethrow its error. */
export async function listenAll(specs: ListenerSpec[], deps: ListenerDeps): Promise<Listener[]> {
  const settled = await Promise.allSettled(specs.map((s) => listen(s, deps)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<Listener>).value);
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  throw failed.reason;
}

async function serve(spec: ListenerSpec, deps: ListenerDeps, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await collect(req);
  const url = new URL(req.url ?? '/', `https://127.0.0.1:${port}`);
  const sbReq: SbRequest = { method: req.method ?? 'GET', url, path: decodePath(url.pathname), headers: req.headers, body };
  const control = spec.control ? await spec.control.handle(sbReq) : undefined;
  if (control) return send(res, control);
  const { response, service, fault } = await route(spec, deps, sbReq);
  send(res, response);
  deps.log.add({
    time: new Date().toISOString(), method: sbReq.method, path: sbReq.path, query: url.search.slice(1), status: response.status,
    service, listener: spec.name, port, ...(fault ? { fault: 'unavailable' as const } : {}),
    ...(req.headers['user-agent'] ? { userAgent: String(req.headers['user-agent']) } : {}),
  });
}

async function route(spec: ListenerSpec, deps: ListenerDeps, req: SbRequest): Promise<{ response: SbResponse; service: string; fault?: boolean }> {
  const { latencyMs, failRate, random } = deps.faults;
  if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
  if (spec.injectFaults && failRate > 0 && random() < failRate) {
    return { response: failure(spec.shape, 503), service: spec.name, fault: true };
  }
  for (const s of spec.services) {
    const response = await s.handle(req);
    if (response) return { response, service: s.name };
  }
  return { response: notFound(spec.shape, req), service: spec.name };
}

function upgrade(spec: ListenerSpec, deps: ListenerDeps, port: number, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on('error', () => undefined);
  const url = new URL(req.url ?? '/', `https://127.0.0.1:${port}`);
  const handler = spec.services.find((s) => s.upgrade?.(req, socket, head));
  if (!handler) socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  deps.log.add({
    time: new Date().toISOString(), method: req.method ?? 'GET', path: decodePath(url.pathname), query: url.search.slice(1),
    status: handler ? 101 : 404, service: handler?.name ?? spec.name, listener: spec.name, port,
  });
}

function collect(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodePath(p: string): string {
  try { return decodeURIComponent(p); } catch { return p; }
}

/** Write an SbResponse: objects as JSON, strings and buffers as given, always with content-length. */
export function send(res: ServerResponse, r: SbResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  let payload: Buffer;
  if (r.body === undefined) payload = Buffer.alloc(0);
  else if (Buffer.isBuffer(r.body)) payload = r.body;
  else if (typeof r.body === 'string') {
    payload = Buffer.from(r.body);
    if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8';
  } else {
    payload = Buffer.from(JSON.stringify(r.body));
    if (!hasType) headers['content-type'] = 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(payload.length);
  res.writeHead(r.status, headers);
  res.end(payload);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function closeServer(server: Server, upgraded: Set<Duplex>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    for (const s of upgraded) s.destroy();
  });
}
