import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpsResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined. */
  json: any;
}

/**
 * One HTTPS request with an explicit CA (tests run in a process that did not start with the sandbox's
 * NODE_EXTRA_CA_CERTS). No retries, no redirects; rejects only on network/TLS errors.
 */
export function httpsJson(url: string, opts: { ca?: string; method?: string; headers?: Record<string, string>; body?: string | object; servername?: string } = {}): Promise<HttpsResult> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (body !== undefined && typeof opts.body === 'object') headers['content-type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers, ca: opts.ca, agent: false, ...(opts.servername ? { servername: opts.servername } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
