/**
 * HTTPS_PROXY support for the Google transport, as gcloud and the Google SDKs offer it: an https.Agent whose
 * connections are CONNECT tunnels through the proxy (http:// proxies; credentials from the proxy URL), skipped for
 * hosts matching NO_PROXY (`*`, exact hosts, `.suffix` or `suffix` domains, optional `:port`).
 */
import { request as httpRequest } from 'node:http';
import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

type Env = Record<string, string | undefined>;

/** The proxy for an https URL per HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy, or undefined. */
export function proxyFor(url: URL, env: Env): URL | undefined {
  if (!(env.HTTPS_PROXY ?? env.https_proxy) || url.protocol !== 'https:') return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || '443';
  for (const entry of (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    if (entry === '*') return undefined;
    const [h, p] = entry.split(/:(?=\d+$)/);
    if (p && p !== port) continue;
    const d = h.replace(/^\*?\./, '');
    if (host === d || host.endsWith(`.${d}`)) return undefined;
  }
  return proxyUrl(env);
}

/** HTTPS_PROXY / https_proxy as a URL (scheme optional), whatever the host; undefined when unset or malformed. */
export function proxyUrl(env: Env): URL | undefined {
  const raw = env.HTTPS_PROXY ?? env.https_proxy;
  if (!raw) return undefined;
  try {
    return new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

/** An https.Agent tunnelling every connection through `proxy` with CONNECT. */
export class TunnelAgent extends Agent {
  constructor(private readonly proxy: URL, opts: AgentOptions = {}) {
    super(opts);
  }

  override createConnection(options: RequestOptions, cb?: (err: Error | null, s: Duplex) => void): undefined {
    const done = cb ?? (() => {});
    const target = `${options.host ?? options.hostname}:${options.port ?? 443}`;
    const headers: Record<string, string> = { host: target };
    if (this.proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString('base64')}`;
    const req = httpRequest({ host: this.proxy.hostname, port: this.proxy.port || 80, method: 'CONNECT', path: target, headers });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return done(Object.assign(new Error(`the proxy ${this.proxy.host} refused CONNECT ${target} (HTTP ${res.statusCode})`), { code: 'EPROXY' }), socket);
      }
      const tls = options as ConnectionOptions;
      const host = options.host ?? options.hostname ?? '';
      done(null, tlsConnect({ ...tls, socket, servername: tls.servername ?? (isIP(host) ? undefined : host) }));
    });
    req.once('error', (e) => done(e, undefined as never));
    req.end();
    return undefined;
  }
}
