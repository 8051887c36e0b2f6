/**
 * Test harness for the Google half of the sandbox: the services behind a plain http server on
 * 127.0.0.1:0 (the framework adds TLS; the clients accept http, research/gcp-api.md §7), a settable
 * clock, an issuer registry with test signing keys, and a JWT minting helper.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createGoogleServices, type GoogleServices } from '../src/sandbox/google/index.js';
import type { ClusterSpec, GoogleDeps, SbRequest } from '../src/sandbox/types.js';

export const PROJECT = { id: 'wif-sandbox', number: '123456789012' };
export const SELF_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const GKE_ISSUER = `https://container.googleapis.com/v1/projects/${PROJECT.id}/locations/us-central1/clusters/demo-gke`;

export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256' = 'RS256', kid = `k-${randomBytes(4).toString('hex')}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey: privateKey as CryptoKey, jwk };
}

export interface Sandbox {
  base: string;
  google: GoogleServices;
  ownerToken: string;
  /** The sandbox clock is real time shifted by `offsetMs` (tests move it to expire tokens or purge resources). */
  clock: { offsetMs: number };
  faults: GoogleDeps['faults'];
  /** Issuer → keys served through the IssuerRegistry (what the kube clusters would serve). */
  issuers: Map<string, TestKey[]>;
  call(method: string, path: string, opts?: { body?: unknown; form?: Record<string, string>; token?: string | null; headers?: Record<string, string> }): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  close(): Promise<void>;
}

const gke: ClusterSpec = {
  context: 'gke', key: 'gke', platform: 'gke', issuer: GKE_ISSUER, gitVersion: 'v1.32.4-gke.1106006',
  identity: { projectId: PROJECT.id, location: 'us-central1', name: 'demo-gke' },
};

function toSbRequest(base: string, method: string, url: string, headers: SbRequest['headers'], body: Buffer): SbRequest {
  const u = new URL(url, base);
  return { method, url: u, path: decodeURIComponent(u.pathname), headers, body };
}

async function serve(google: GoogleServices): Promise<{ server: Server; base: string }> {
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const sb = toSbRequest(base, req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks));
      let out;
      for (const s of google.services) if ((out = await s.handle(sb))) break;
      out ??= { status: 404, body: { error: { code: 404, message: `no route for ${sb.method} ${sb.path}`, status: 'NOT_FOUND' } } };
      const text = typeof out.body === 'string' || Buffer.isBuffer(out.body) ? out.body : JSON.stringify(out.body ?? {});
      res.writeHead(out.status, { 'content-type': 'application/json; charset=UTF-8', ...out.headers });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { server, base };
}

/** Start the Google services on a random loopback port. */
export async function startSandbox(opts: { clusters?: ClusterSpec[] } = {}): Promise<Sandbox> {
  const clock = { offsetMs: 0 };
  const issuers = new Map<string, TestKey[]>();
  const faults = { latencyMs: 0, failRate: 0, conflictRate: 0, random: Math.random };
  const ownerToken = `ya29.sandbox-owner-${randomBytes(8).toString('hex')}`;
  const google = createGoogleServices({
    project: PROJECT, ownerToken, clusters: opts.clusters ?? [gke], faults, now: () => new Date(Date.now() + clock.offsetMs),
    issuers: {
      lookup(issuer) {
        const keys = issuers.get(issuer);
        if (!keys) return undefined;
        return { configuration: { issuer, jwks_uri: `${issuer}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['RS256'] }, jwks: { keys: keys.map((k) => k.jwk) } };
      },
    },
  });
  const { server, base } = await serve(google);
  const sb: Sandbox = {
    base, google, ownerToken, clock, faults, issuers,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const token = o.token === undefined ? ownerToken : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (o.form) { body = new URLSearchParams(o.form).toString(); headers['content-type'] = 'application/x-www-form-urlencoded'; }
      else if (o.body !== undefined) { body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body); headers['content-type'] ??= 'application/json'; }
      const res = await fetch(new URL(path.replace(/^\//, ''), base), { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: res.status, json, text, headers: res.headers };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  return sb;
}

/** Sign a JWT with `key` (claims merged over a valid KSA-like default set). */
export async function mintJwt(key: TestKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iat: now, exp: now + 3600, sub: 'system:serviceaccount:default:app', ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/** A projected-token-like claim set for namespace/KSA. */
export function ksaClaims(issuer: string, aud: string | string[], ns = 'default', ksa = 'app'): Record<string, unknown> {
  return {
    iss: issuer, aud, sub: `system:serviceaccount:${ns}:${ksa}`,
    'kubernetes.io': { namespace: ns, serviceaccount: { name: ksa, uid: '6d6e2b0e-0000-4000-8000-000000000001' }, pod: { name: `${ksa}-pod`, uid: 'u' } },
  };
}

export const poolsPath = (project = PROJECT.id) => `/v1/projects/${project}/locations/global/workloadIdentityPools`;
export const providerAudience = (pool: string, prov: string) =>
  `//iam.googleapis.com/projects/${PROJECT.number}/locations/global/workloadIdentityPools/${pool}/providers/${prov}`;

/** Create a pool and an OIDC provider through the API (owner token); returns the provider path. */
export async function createPoolAndProvider(sb: Sandbox, pool: string, prov: string, provider: Record<string, unknown>): Promise<string> {
  const p = await sb.call('POST', `${poolsPath()}?workloadIdentityPoolId=${pool}`, { body: {} });
  if (p.status !== 200 && p.status !== 409) throw new Error(`pool create: ${p.status} ${p.text}`);
  const r = await sb.call('POST', `${poolsPath()}/${pool}/providers?workloadIdentityPoolProviderId=${prov}`, { body: provider });
  if (r.status !== 200) throw new Error(`provider create: ${r.status} ${r.text}`);
  return `${poolsPath()}/${pool}/providers/${prov}`;
}

/** Form-encoded STS exchange, as the auth libraries send it. */
export function stsForm(audience: string, subjectToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', audience,
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', ...extra,
  };
}
