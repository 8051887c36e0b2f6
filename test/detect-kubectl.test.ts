import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Kubectl } from '../src/cloud/kube/kubectl.js';
import { observeCluster } from '../src/cloud/kube/observe.js';
import { KubeError } from '../src/cloud/kube/errors.js';
import { runWif } from './helpers/run.js';

/**
 * The kubectl library and the cluster observation against a minimal kube-apiserver (plain http: kubectl then
 * sends no credentials, research/k8s-clouds.md §3.5), driven by the real kubectl. `mode` switches the
 * discovery endpoints to 403 as on clusters without the issuer-discovery binding.
 */
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KID = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
const JWK = { use: 'sig', kty: 'RSA', kid: KID, alg: 'RS256', ...publicKey.export({ format: 'jwk' }) };
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(claims: object): string {
  const h = `${b64({ alg: 'RS256', kid: KID })}.${b64(claims)}`;
  return `${h}.${sign('sha256', Buffer.from(h), privateKey).toString('base64url')}`;
}

let mode: 'ok' | 'forbidden' = 'ok';
const seen: { method: string; url: string; body: string; ct?: string }[] = [];
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
function route(req: IncomingMessage, res: ServerResponse, body: string) {
  const p = new URL(req.url ?? '/', 'http://x').pathname;
  if (p === '/version') return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.5+k3s1', platform: 'linux/amd64' });
  if (mode === 'forbidden' && (p === '/.well-known/openid-configuration' || p === '/openid/v1/jwks')) {
    return send(res, 403, status(403, 'Forbidden', `forbidden: User "system:anonymous" cannot get path "${p}"`));
  }
  if (p === '/.well-known/openid-configuration') return send(res, 200, { issuer: ISSUER, jwks_uri: 'https://172.18.0.2:6443/openid/v1/jwks', response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
  if (p === '/openid/v1/jwks') return send(res, 200, { keys: [JWK] });
  if (p === '/api') return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (p === '/apis') return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'k3s.cattle.io', versions: [{ groupVersion: 'k3s.cattle.io/v1', version: 'v1' }], preferredVersion: { groupVersion: 'k3s.cattle.io/v1', version: 'v1' } }] });
  if (p === '/apis/k3s.cattle.io/v1') return send(res, 200, { kind: 'APIResourceList', groupVersion: 'k3s.cattle.io/v1', resources: [] });
  if (p === '/api/v1') return send(res, 200, { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount', verbs: ['get', 'list', 'create'], shortNames: ['sa'] }] });
  const tok = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(p);
  if (tok && req.method === 'POST') {
    const spec = JSON.parse(body).spec ?? {};
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + (spec.expirationSeconds ?? 3600);
    const token = jwt({ aud: spec.audiences ?? [ISSUER], exp, iat, iss: ISSUER, sub: `system:serviceaccount:${tok[1]}:${tok[2]}` });
    return send(res, 201, { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: tok[2], namespace: tok[1] }, spec, status: { token, expirationTimestamp: new Date(exp * 1000).toISOString() } });
  }
  const sa = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)$/.exec(p);
  if (sa && sa[2] === 'default') return send(res, 200, { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'default', namespace: sa[1] } });
  if (sa) return send(res, 404, status(404, 'NotFound', `serviceaccounts "${sa[2]}" not found`));
  return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
}

let server: Server;
let dir: string;
let env: Record<string, string | undefined>;
before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, ct: req.headers['content-type'] });
      route(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'wif-detect-kubectl-'));
  const kc = `apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster: {server: 'http://127.0.0.1:${port}'}\n- name: dead\n  cluster: {server: 'http://127.0.0.1:1'}\ncontexts:\n- name: default\n  context: {cluster: default, user: default}\n- name: dead\n  context: {cluster: dead, user: default}\ncurrent-context: default\nusers:\n- name: default\n  user: {token: not-sent-over-http}\n`;
  writeFileSync(join(dir, 'config'), kc);
  env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'config'), KUBECACHEDIR: join(dir, 'cache') };
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('getRaw, version, get (NotFound → undefined) and list go through kubectl with --context', async () => {
  mode = 'ok';
  const k = new Kubectl({ context: 'default', env, cwd: dir });
  assert.equal((await k.version()).gitVersion, 'v1.32.5+k3s1');
  assert.deepEqual((await k.getRaw<{ keys: unknown[] }>('/openid/v1/jwks')).keys, [JWK]);
  assert.equal(await k.get('serviceaccount', 'nope', 'default'), undefined);
  assert.equal((await k.get<{ metadata: { name: string } }>('serviceaccount', 'default', 'default'))?.metadata.name, 'default');
  assert.ok(k.baseArgs().includes('--context=default'));
});

test('createToken sends a JSON TokenRequest and never leaks the token into logs', async () => {
  const logged: string[] = [];
  const k = new Kubectl({ context: 'default', env, cwd: dir, log: { debug: (m) => logged.push(m) } });
  const t = await k.createToken('default', 'app', { audiences: ['//iam.googleapis.com/x'], durationSeconds: 600 });
  assert.match(t.token, /^eyJ/);
  assert.ok(t.expirationTimestamp);
  const req = seen.filter((s) => s.url.split('?')[0].endsWith('/serviceaccounts/app/token')).pop();
  assert.deepEqual(JSON.parse(req!.body).spec, { audiences: ['//iam.googleapis.com/x'], expirationSeconds: 600 });
  assert.ok(!logged.join('\n').includes(t.token));
  assert.ok(logged.some((l) => l.includes('create --raw /api/v1/namespaces/default/serviceaccounts/app/token')));
});

test('observeCluster (self-hosted): discovery, JWKS, token iss and version read together and agree', async () => {
  mode = 'ok';
  const o = await observeCluster({ env, cwd: dir });
  assert.equal(o.platform, 'self-hosted');
  assert.equal(o.classification.distribution, 'k3s');
  assert.equal(o.issuer, ISSUER);
  assert.equal(o.issuerSources.token, ISSUER);
  assert.equal(o.jwksUploadRequired, true);
  assert.deepEqual(o.findings, []);
  assert.deepEqual(o.checks.map((c) => [c.name, c.ok]), [['discovery issuer = token iss', true], ['JWKS keys accepted by Google', true]]);
});

test('discovery forbidden: error naming the RBAC binding to add (the JWKS must be uploaded)', async () => {
  mode = 'forbidden';
  const r = await runWif(['detect', '--output', 'json'], { env, cwd: dir });
  mode = 'ok';
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.json.ok, false);
  assert.equal(r.json.error.code, 'kube.discovery.forbidden');
  assert.match(r.json.error.hint, /system:service-account-issuer-discovery/);
  assert.equal(r.json.result.issuer, ISSUER, 'the token still gives the issuer');
  assert.equal(r.json.result.jwksUploadRequired, true);
});

test('wif detect --output json: SPEC fields; text output names platform, issuer and JWKS upload', async () => {
  const r = await runWif(['detect', '--output', 'json', '--context', 'default'], { env, cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = r.json.result;
  assert.equal(res.platform, 'self-hosted');
  assert.equal(res.issuer, ISSUER);
  assert.equal(res.jwksUploadRequired, true);
  assert.deepEqual(res.cluster, {});
  assert.ok(res.evidence.some((e: { signal: string }) => e.signal === 'server-version'));
  assert.ok(!r.stdout.includes('eyJhbGci'), 'no token in the output');
  const t = await runWif(['detect'], { env, cwd: dir });
  assert.equal(t.code, 0);
  assert.match(t.stdout, /Platform\s+self-hosted \(k3s\)/);
  assert.match(t.stdout, /JWKS upload\s+required/);
  assert.match(t.stdout, /in-cluster API server name/);
});

test('--platform overrides; a bad --platform is a usage error; an unknown context lists the available ones', async () => {
  const o = await runWif(['detect', '--output', 'json', '--platform', 'eks'], { env, cwd: dir });
  assert.equal(o.json.result.platform, 'eks');
  assert.ok(o.json.result.evidence.some((e: { signal: string }) => e.signal === 'override'));
  assert.equal(o.code, 1, 'eks without a region/name cannot be looked up');
  assert.equal(o.json.error.code, 'eks.identity-unknown');
  const bad = await runWif(['detect', '--output', 'json', '--platform', 'openstack'], { env, cwd: dir });
  assert.equal(bad.code, 2);
  const u = await runWif(['detect', '--output', 'json', '--context', 'prod'], { env, cwd: dir });
  assert.equal(u.code, 2);
  assert.equal(u.json.error.code, 'kube.context.unknown');
  assert.match(u.json.error.hint, /default, dead/);
});

test('cluster unreachable: kube.unreachable with a network hint', async () => {
  await assert.rejects(observeCluster({ env, cwd: dir, context: 'dead' }), (e: unknown) => {
    assert.ok(e instanceof KubeError);
    assert.equal(e.code, 'kube.unreachable');
    assert.match(e.hint ?? '', /VPN|private endpoint/);
    return true;
  });
});

test('kubectl missing from PATH: kube.kubectl.missing', async () => {
  const k = new Kubectl({ context: 'default', env: { ...env, PATH: dir }, cwd: dir });
  await assert.rejects(k.version(), (e: unknown) => e instanceof KubeError && e.code === 'kube.kubectl.missing');
});
