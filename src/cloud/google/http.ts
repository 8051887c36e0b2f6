/**
 * The one place wif talks HTTP to Google: JSON requests over node:https with a keep-alive agent, the caller's
 * Authorization header (through HTTPS_PROXY when set, proxy.ts), bounded retries of transient faults (429/5xx, connection resets) where the caller says
 * the call is safe to repeat, and errors translated by errors.ts.
 *
 * Why not the generated @googleapis/* clients: measured on these machines, importing one costs ~230 ms (it pulls
 * in google-auth-library), node:https ~9 ms, and wif needs only a dozen REST calls whose exact shapes are in
 * research/gcp-api.md. ADC still goes through google-auth-library, imported only when no token file is given.
 */
import type { Agent as HttpAgent } from 'node:http';
import { OperationError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { withRetry } from '../../core/retry.js';
import type { GoogleAccess } from './auth.js';
import { googleError, isTransientStatus, type CallAbout } from './errors.js';
import { extraCaBundle } from '../tls.js';
import { proxyFor, proxyUrl, TunnelAgent } from './proxy.js';

export type GoogleService = 'iam' | 'cloudresourcemanager' | 'serviceusage' | 'iamcredentials' | 'sts';

export interface GoogleRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  service: GoogleService;
  /** `v1/projects/…` (no leading slash). */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  about: CallAbout;
  /** The call may be repeated after a transient fault (reads; writes made idempotent by etags or 409 handling). */
  retry?: boolean;
}

export interface GoogleApi {
  call<T>(req: GoogleRequest): Promise<T>;
  /** Close kept-alive connections (end of the command). */
  close(): void;
}

export interface GoogleApiOptions {
  access: GoogleAccess;
  /** The command's environment (NODE_EXTRA_CA_CERTS, HTTPS_PROXY). */
  env: Record<string, string | undefined>;
  log: Logger;
  signal?: AbortSignal;
  /** Attempts per call for transient faults (default 6). */
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/** A connection-level failure worth retrying. */
export function isNetworkError(e: unknown): boolean {
  return !!e && typeof e === 'object' && NETWORK_CODES.has(String((e as { code?: unknown }).code));
}

/** The CA bundle for the command's env (NODE_EXTRA_CA_CERTS given in-process; see src/cloud/tls.ts). */
export { extraCaBundle as extraCa };

/** The URL of a request: `WIF_GOOGLE_API_ENDPOINT` for every service when set, else `https://SERVICE.googleapis.com`. */
export function requestUrl(rootUrl: string | undefined, req: Pick<GoogleRequest, 'service' | 'path' | 'query'>): URL {
  const u = new URL(`${rootUrl ?? `https://${req.service}.googleapis.com`}/${req.path}`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.append(k, v);
  return u;
}

interface RawResponse { status: number; text: string }

interface Agents { https: HttpAgent; http: HttpAgent; proxied?: HttpAgent }

async function makeAgents(env: Record<string, string | undefined>): Promise<Agents> {
  const [https, http] = await Promise.all([import('node:https'), import('node:http')]);
  const ca = extraCaBundle(env);
  const opts = { keepAlive: true, maxSockets: 16, ...(ca ? { ca } : {}) };
  const proxy = proxyUrl(env);
  const proxied: HttpAgent | undefined = proxy ? new TunnelAgent(proxy, opts) : undefined;
  return { https: new https.Agent(opts), http: new http.Agent({ keepAlive: true, maxSockets: 16 }), proxied };
}

function agentFor(a: Agents, url: URL, env: Record<string, string | undefined>): HttpAgent {
  if (url.protocol === 'http:') return a.http;
  return a.proxied && proxyFor(url, env) ? a.proxied : a.https;
}

async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, agent: HttpAgent, o: { signal?: AbortSignal; timeoutMs: number }): Promise<RawResponse> {
  const mod = url.protocol === 'http:' ? await import('node:http') : await import('node:https');
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent, signal: o.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(Object.assign(new Error(`no answer from ${url.host} in ${o.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Create the Google API caller for one command run. Agents are created on first use and unref'd sockets keep the process free to exit. */
export function createGoogleApi(o: GoogleApiOptions): GoogleApi {
  let agents: Promise<Agents> | undefined;
  const timeoutMs = o.timeoutMs ?? 60_000;
  const once = async <T>(req: GoogleRequest, url: URL): Promise<T> => {
    agents ??= makeAgents(o.env);
    const a = await agents;
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { authorization: await o.access.authorization(), 'user-agent': 'wif', 'x-goog-api-client': 'wif' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const t0 = Date.now();
    const res = await send(url, req.method, headers, body, agentFor(a, url, o.env), { signal: o.signal, timeoutMs });
    o.log.debug(`${req.method} ${url.pathname}${url.search} → ${res.status} (${Date.now() - t0} ms)`);
    if (res.status < 200 || res.status >= 300) throw googleError(res.status, res.text, req.about);
    try {
      return (res.text ? JSON.parse(res.text) : {}) as T;
    } catch {
      throw new OperationError(`gcp.${req.about.what}.bad-response`, `${req.method} ${url.host}${url.pathname} answered ${res.status} with a body that is not JSON`, {
        hint: 'Check WIF_GOOGLE_API_ENDPOINT and any proxy in between: they must pass Google\'s JSON through.',
      });
    }
  };
  return {
    close() {
      void agents?.then((a) => { a.https.destroy(); a.http.destroy(); a.proxied?.destroy(); });
    },
    call<T>(req: GoogleRequest): Promise<T> {
      const url = requestUrl(o.access.rootUrl, req);
      return withRetry(() => once<T>(req, url), {
        attempts: req.retry ? o.attempts ?? 6 : 1,
        baseMs: o.baseDelayMs ?? 250,
        maxMs: 4000,
        signal: o.signal,
        retryable: (e) => isNetworkError(e) || (e as { httpStatus?: number }).httpStatus !== undefined && isTransientStatus((e as { httpStatus: number }).httpStatus),
        onRetry: (e, n, ms) => o.log.debug(`retrying ${req.method} ${url.pathname} in ${ms} ms (attempt ${n} failed: ${(e as Error).message})`),
      });
    },
  };
}
