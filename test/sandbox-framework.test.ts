import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sandboxTls } from '../src/sandbox/tls.js';
import { listenAll, RequestLog, type Listener } from '../src/sandbox/server.js';
import { createControlService } from '../src/sandbox/control.js';
import { renderEnv, writeEnvFile } from '../src/sandbox/env.js';
import { writeKubeconfig, renderKubeconfig } from '../src/sandbox/kubeconfig.js';
import { sandboxWorld } from '../src/sandbox/clouds/identities.js';
import type { FaultOptions, SbService } from '../src/sandbox/types.js';
import { runWif } from './helpers/run.js';
import { httpsJson } from './helpers/https.js';

// The framework on its own: TLS against Node, OpenSSL strict (gcloud's Python) and Go (kubectl); listeners,
// faults, request log and control endpoints; env file and kubeconfig with its exec shims.
const dir = mkdtempSync(join(tmpdir(), 'wif-sbfw-'));
const tls = sandboxTls();
const log = new RequestLog();
const faults: FaultOptions = { latencyMs: 0, failRate: 0, conflictRate: 0, random: () => 0.5 };
const seen: { auth?: string; paths: string[] } = { paths: [] };
const rotations: string[] = [];
let resets = 0;
let listeners: Listener[] = [];
const url = (name: string) => listeners.find((l) => l.name === name)!.url;

const echo: SbService = {
  name: 'echo',
  handle(req) {
    if (req.path === '/boom') throw new Error('kaboom with Bearer ya29.secret-token-value');
    if (req.path !== '/hello') return undefined;
    return { status: 200, body: { method: req.method, body: req.body.toString(), q: req.url.searchParams.get('q') } };
  },
};
/** Just enough of a kube-apiserver for kubectl's `get --raw /version` (and the gcloud dispatcher's probe). */
const version: SbService = {
  name: 'kube:test',
  handle(req) {
    seen.paths.push(req.path);
    seen.auth = req.headers.authorization;
    if (req.path === '/version') return { status: 200, body: { major: '1', minor: '32', gitVersion: 'v1.32.5-eks-0000000', platform: 'linux/amd64' } };
    return undefined;
  },
};

before(async () => {
  const deps = { tls: { cert: tls.certPem, key: tls.keyPem }, log, faults };
  listeners = await listenAll([
    { name: 'google', shape: 'google', injectFaults: true, services: [echo], control: createControlService({
      log, reset: () => { resets++; log.clear(); }, info: () => ({ ok: true }),
      rotateKeys: (c, keepOld) => (c === 'eks' ? (rotations.push(`${c}:${keepOld}`), true) : false),
    }) },
    { name: 'aws', shape: 'aws', injectFaults: true, services: [] },
    { name: 'azure', shape: 'azure', injectFaults: true, services: [] },
    { name: 'kube:test', shape: 'kube', injectFaults: false, services: [version] },
  ], deps);
});
after(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  rmSync(dir, { recursive: true, force: true });
});

test('TLS: CA and server certificate carry what strict verifiers require', () => {
  const ca = new X509Certificate(tls.caPem);
  const leaf = new X509Certificate(tls.certPem);
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  assert.ok(ca.verify(ca.publicKey));
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
  assert.ok(leaf.checkIP('127.0.0.1') && leaf.checkHost('localhost'));
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  // The CA is reused when valid (a trusted ca.pem survives restarts), the leaf is new.
  const again = sandboxTls({ caPem: tls.caPem, caKeyPem: tls.caKeyPem });
  assert.equal(again.caPem, tls.caPem);
  assert.notEqual(again.certPem, tls.certPem);
  assert.notEqual(sandboxTls({ caPem: tls.caPem }).caPem, tls.caPem);
});

test('TLS: Node verifies the server with the sandbox CA (and rejects it without)', async () => {
  const r = await httpsJson(`${url('google')}/hello?q=1`, { ca: tls.caPem, method: 'POST', body: 'hi' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { method: 'POST', body: 'hi', q: '1' });
  await assert.rejects(httpsJson(`${url('google')}/hello`, {}), /self-signed|unable to verify|SELF_SIGNED|UNABLE_TO_GET_ISSUER/i);
  const viaLocalhost = await httpsJson(`${url('google').replace('127.0.0.1', 'localhost')}/hello`, { ca: tls.caPem });
  assert.equal(viaLocalhost.status, 200);
});

const run = promisify(execFile);

test('TLS: OpenSSL with VERIFY_X509_STRICT (gcloud\'s bundled Python) accepts it', async () => {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, tls.caPem);
  const py = gcloudPython();
  const script = `import ssl,sys,urllib.request
c=ssl.create_default_context(cafile=sys.argv[1]); c.verify_flags|=ssl.VERIFY_X509_STRICT
print(urllib.request.urlopen(sys.argv[2],context=c).status)`;
  // Async: the server answers from this very process.
  const { stdout } = await run(py, ['-c', script, ca, `${url('google')}/hello`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(stdout.trim(), '200');
});

test('kubeconfig: kubectl (Go TLS) reaches the cluster through the aws exec shim with the cluster\'s token', async () => {
  const world = sandboxWorld('fw-test');
  const eks = world.clusters.find((c) => c.key === 'eks')!;
  const kubeconfig = join(dir, 'kubeconfig');
  const tokens = { 'self-hosted': 'sh-token', eks: 'k8s-aws-v1.eks-admin', aks: 'aks-admin', gke: 'ignored' };
  writeFileSync(join(dir, 'access-token'), 'ya29.owner\n');
  writeKubeconfig(kubeconfig, { clusters: world.clusters.map((spec) => ({ spec, url: url('kube:test') })), caPem: tls.caPem,
    binDir: join(dir, 'bin'), adminTokens: tokens, accessTokenFile: join(dir, 'access-token') });
  assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
  const kubectl = (ctx: string) => run('kubectl', ['--kubeconfig', kubeconfig, '--context', ctx, 'get', '--raw', '/version'],
    { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: dir, KUBECACHEDIR: join(dir, 'cache') } });
  const r = await kubectl('eks');
  assert.equal(JSON.parse(r.stdout).gitVersion, 'v1.32.5-eks-0000000');
  assert.equal(seen.auth, 'Bearer k8s-aws-v1.eks-admin');
  assert.ok(seen.paths.length >= 2, 'the dispatcher probe and kubectl itself');
  for (const [ctx, token] of [['aks', 'aks-admin'], ['gke', 'ya29.owner'], ['self-hosted', 'sh-token']]) {
    await kubectl(ctx);
    assert.equal(seen.auth, `Bearer ${token}`, ctx);
  }
  assert.match(renderKubeconfig({ clusters: [{ spec: eks, url: 'https://127.0.0.1:1' }], caPem: tls.caPem, binDir: '/b', adminTokens: tokens, accessTokenFile: '/t' }),
    new RegExp(`args:\\n\\s+- --region\\n\\s+- us-east-1\\n\\s+- eks\\n\\s+- get-token\\n\\s+- --cluster-name\\n\\s+- sandbox-eks\\n\\s+- --output\\n\\s+- json\\n\\s+command: /b/aws`));
});

test('kubeconfig: real platform naming for cluster and user entries', async () => {
  const { parse } = await import('yaml');
  const world = sandboxWorld('naming');
  const kc = parse(renderKubeconfig({ clusters: world.clusters.map((spec) => ({ spec, url: 'https://127.0.0.1:9' })), caPem: tls.caPem,
    binDir: '/s/bin', adminTokens: { 'self-hosted': 't' }, accessTokenFile: '/s/access-token' }));
  const ctx = Object.fromEntries(kc.contexts.map((c: any) => [c.name, c.context]));
  assert.equal(kc['current-context'], 'self-hosted');
  assert.deepEqual(ctx['self-hosted'], { cluster: 'kubernetes', user: 'kubernetes-admin' });
  assert.match(ctx.eks.cluster, /^arn:aws:eks:us-east-1:\d{12}:cluster\/sandbox-eks$/);
  assert.equal(ctx.eks.user, ctx.eks.cluster);
  assert.deepEqual(ctx.aks, { cluster: 'sandbox-aks', user: 'clusterUser_sandbox-rg_sandbox-aks' });
  assert.deepEqual(ctx.gke, { cluster: 'gke_wif-sandbox_us-central1_sandbox-gke', user: 'gke_wif-sandbox_us-central1_sandbox-gke' });
  const users = Object.fromEntries(kc.users.map((u: any) => [u.name, u.user]));
  assert.equal(users['clusterUser_sandbox-rg_sandbox-aks'].exec.command, '/s/bin/kubelogin');
  assert.equal(users['gke_wif-sandbox_us-central1_sandbox-gke'].exec.provideClusterInfo, true);
  for (const c of kc.clusters) assert.equal(Buffer.from(c.cluster['certificate-authority-data'], 'base64').toString(), tls.caPem);
});

test('faults: fail-rate answers 503 in each cloud\'s shape; kube and control endpoints are exempt', async () => {
  faults.failRate = 1;
  try {
    const g = await httpsJson(`${url('google')}/hello`, { ca: tls.caPem });
    assert.equal(g.status, 503);
    assert.deepEqual(g.json, { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } });
    const a = await httpsJson(`${url('aws')}/clusters`, { ca: tls.caPem });
    assert.equal(a.status, 503);
    assert.equal(a.headers['x-amzn-errortype'], 'ServiceUnavailableException');
    const z = await httpsJson(`${url('azure')}/subscriptions`, { ca: tls.caPem });
    assert.equal(z.status, 503);
    assert.equal(z.json.error.code, 'ServiceUnavailable');
    assert.equal((await httpsJson(`${url('kube:test')}/version`, { ca: tls.caPem })).status, 200);
    assert.equal((await httpsJson(`${url('google')}/_sandbox/requests`, { ca: tls.caPem })).status, 200);
    const byListener = Object.fromEntries(log.list({ since: log.list().at(-4)!.seq - 1 }).map((r) => [r.listener, r.fault]));
    assert.deepEqual(byListener, { google: 'unavailable', aws: 'unavailable', azure: 'unavailable', 'kube:test': undefined });
  } finally {
    faults.failRate = 0;
  }
});

test('faults: latency delays cloud answers but not control endpoints', async () => {
  faults.latencyMs = 150;
  try {
    const t0 = Date.now();
    assert.equal((await httpsJson(`${url('google')}/hello`, { ca: tls.caPem })).status, 200);
    assert.ok(Date.now() - t0 >= 140, 'the answer waited for --latency');
  } finally {
    faults.latencyMs = 0;
  }
});

test('unknown paths are 404 in the listener\'s shape, never a silent 200; a throwing service is a 500', async () => {
  const g = await httpsJson(`${url('google')}/v1/nope`, { ca: tls.caPem });
  assert.equal(g.status, 404);
  assert.deepEqual(g.json.error, { code: 404, message: 'Method not found: GET /v1/nope', status: 'NOT_FOUND' });
  const a = await httpsJson(`${url('aws')}/nope`, { ca: tls.caPem });
  assert.equal(a.status, 404);
  assert.equal(a.headers['x-amzn-errortype'], 'UnknownOperationException');
  const z = await httpsJson(`${url('azure')}/nope`, { ca: tls.caPem });
  assert.equal(z.json.error.code, 'NotFound');
  const k = await httpsJson(`${url('kube:test')}/api/v9`, { ca: tls.caPem });
  assert.equal(k.json.kind, 'Status');
  assert.equal(k.json.code, 404);
  const b = await httpsJson(`${url('google')}/boom`, { ca: tls.caPem });
  assert.equal(b.status, 500);
  assert.equal(b.json.error.status, 'INTERNAL');
});

test('request log: every request with method/path/status/service, filters, no headers or tokens; control not logged', async () => {
  log.clear();
  await httpsJson(`${url('google')}/hello?q=2`, { ca: tls.caPem, headers: { authorization: 'Bearer ya29.do-not-log-me' } });
  await httpsJson(`${url('aws')}/nope`, { ca: tls.caPem });
  const all = await httpsJson(`${url('google')}/_sandbox/requests`, { ca: tls.caPem });
  assert.equal(all.status, 200);
  assert.equal(all.json.length, 2);
  assert.deepEqual(pick(all.json[0]), { seq: 1, method: 'GET', path: '/hello', query: 'q=2', status: 200, service: 'echo', listener: 'google' });
  assert.deepEqual(pick(all.json[1]), { seq: 2, method: 'GET', path: '/nope', query: '', status: 404, service: 'aws', listener: 'aws' });
  assert.doesNotMatch(JSON.stringify(all.json), /do-not-log-me|authorization/i);
  const since = await httpsJson(`${url('google')}/_sandbox/requests?since=1`, { ca: tls.caPem });
  assert.deepEqual(since.json.map((r: any) => r.seq), [2]);
  const svc = await httpsJson(`${url('google')}/_sandbox/requests?service=echo`, { ca: tls.caPem });
  assert.deepEqual(svc.json.map((r: any) => r.seq), [1]);
  assert.equal((await httpsJson(`${url('google')}/_sandbox/requests?since=x`, { ca: tls.caPem })).status, 400);
});

test('control: rotate-keys (keep-old), reset, unknown cluster and endpoint', async () => {
  const r = await httpsJson(`${url('google')}/_sandbox/clusters/eks/rotate-keys?keep-old=true`, { ca: tls.caPem, method: 'POST' });
  assert.equal(r.status, 200);
  assert.deepEqual(rotations, ['eks:true']);
  await httpsJson(`${url('google')}/_sandbox/clusters/eks/rotate-keys`, { ca: tls.caPem, method: 'POST' });
  assert.deepEqual(rotations, ['eks:true', 'eks:false']);
  const missing = await httpsJson(`${url('google')}/_sandbox/clusters/nope/rotate-keys`, { ca: tls.caPem, method: 'POST' });
  assert.equal(missing.status, 404);
  assert.equal((await httpsJson(`${url('google')}/_sandbox/clusters/eks/rotate-keys`, { ca: tls.caPem })).status, 405);
  await httpsJson(`${url('google')}/hello`, { ca: tls.caPem });
  assert.equal((await httpsJson(`${url('google')}/_sandbox/reset`, { ca: tls.caPem, method: 'POST' })).status, 200);
  assert.equal(resets, 1);
  assert.deepEqual((await httpsJson(`${url('google')}/_sandbox/requests`, { ca: tls.caPem })).json, []);
  assert.equal((await httpsJson(`${url('google')}/_sandbox/what`, { ca: tls.caPem })).status, 404);
  const rebound = await httpsJson(`${url('google')}/_sandbox/reset`, { ca: tls.caPem, method: 'POST', headers: { host: 'evil.example' }, servername: 'localhost' });
  assert.equal(rebound.status, 403, 'DNS-rebinding guard');
  assert.equal(resets, 1);
});

test('upgrades: handed to the service, logged as 101, unknown ones 404; close() ends open upgraded sockets', async () => {
  const held: SbService = {
    name: 'ws', handle: () => undefined,
    upgrade(req, socket) {
      if (req.url !== '/exec') return false;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      return true; // and never closed by the service
    },
  };
  const [l] = await listenAll([{ name: 'kube:ws', shape: 'kube', injectFaults: false, services: [held] }], { tls: { cert: tls.certPem, key: tls.keyPem }, log, faults });
  const { request } = await import('node:https');
  const open = (path: string) => new Promise<number>((resolve, reject) => {
    const req = request(`${l.url}${path}`, { ca: tls.caPem, headers: { connection: 'Upgrade', upgrade: 'websocket' } });
    req.on('upgrade', (res) => resolve(res.statusCode ?? 0));
    req.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.end();
  });
  assert.equal(await open('/exec'), 101);
  assert.equal(await open('/nope'), 404);
  assert.deepEqual(log.list({ listener: 'kube:ws' }).map((r) => [r.path, r.status, r.service]), [['/exec', 101, 'ws'], ['/nope', 404, 'kube:ws']]);
  const closed = await Promise.race([l.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 5000))]);
  assert.equal(closed, 'closed');
});

test('env file: export lines a POSIX shell reads back verbatim, written 0600', () => {
  const env = { A: 'plain', B: "it's a \"quote\" $HOME `x` \\ ;", C: 'https://127.0.0.1:1/', D: '' };
  const file = join(dir, 'env');
  writeEnvFile(file, env);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(renderEnv(env), /^export A=plain$/m);
  const out = execFileSync('sh', ['-c', `. "$0"; printf '%s\\n' "$A" "$B" "$C" "[$D]"`, file], { encoding: 'utf8' });
  assert.equal(out, `plain\n${env.B}\nhttps://127.0.0.1:1/\n[]\n`);
});

test('wif sandbox start: bad flags are a usage error (exit 2) naming each flag', async () => {
  const r = await runWif(['sandbox', 'start', '--state-dir', dir, '--port', 'abc', '--fail-rate', '1.5', '--latency', '-3', '--conflict-rate', '0.5', '--output', 'json']);
  assert.equal(r.code, 2);
  assert.equal(r.json.error.code, 'input.invalid');
  for (const f of ['--port', '--fail-rate', '--latency']) assert.match(r.json.error.message, new RegExp(f));
  assert.doesNotMatch(r.json.error.message, /--conflict-rate/);
});

function pick(r: any) {
  const { seq, method, path, query, status, service, listener } = r;
  return { seq, method, path, query, status, service, listener };
}

/** Called before any server is needed, so a sync call is fine here. */
function gcloudPython(): string {
  const r = spawnSync('gcloud', ['info', '--format=value(basic.python_location)'], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return p && r.status === 0 ? p : 'python3';
}
