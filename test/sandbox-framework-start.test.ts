import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

// `wif sandbox start` as a user runs it: a child process, the env file sourced by a shell, the SDKs configured
// only by that env, SIGTERM/SIGINT for a clean stop.
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'wif-sbstart-'));
const stateDir = join(tmp, 'state');
const envFile = join(stateDir, 'env');
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `node bin/wif.js` when this test runs from the repo's dist/, else the same two lines against this build. */
function wifEntry(): string {
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  if (existsSync(join(repo, 'bin/wif.js')) && main === join(repo, 'dist/src/main.js')) return join(repo, 'bin/wif.js');
  const entry = join(tmp, 'wif.mjs');
  writeFileSync(entry, `const { main } = await import(${JSON.stringify(pathToFileURL(main).href)});\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  return entry;
}
const WIF = wifEntry();
const baseEnv = { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1', NO_COLOR: '1' };

interface Started { child: ChildProcess; ms: number; stdout: () => string; stderr: () => string; exited: Promise<number | null> }

async function start(...extra: string[]): Promise<Started> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [WIF, 'sandbox', 'start', '--state-dir', stateDir, ...extra], { env: baseEnv });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!existsSync(envFile)) {
    if (done) throw new Error(`sandbox exited before writing ${envFile}:\n${err}`);
    if (performance.now() - t0 > 20_000) throw new Error(`no env file after 20 s:\n${err}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, ms: performance.now() - t0, stdout: () => out, stderr: () => err, exited };
}

/** The env file as a POSIX shell sees it after sourcing. */
async function sourced(): Promise<Record<string, string>> {
  const { stdout } = await run('sh', ['-c', '. "$0" && env -0', envFile], { env: {}, encoding: 'utf8' });
  return Object.fromEntries(stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const require = createRequire(import.meta.url);
const CLIENT = `
import https from 'node:https';
import { readFileSync } from 'node:fs';
const [eksMod, aksMod, idMod] = process.argv.slice(2);
const { EKSClient, DescribeClusterCommand } = await import(eksMod);
const { ContainerServiceClient } = await import(aksMod);
const { DefaultAzureCredential } = await import(idMod);
const e = process.env;
const eks = await new EKSClient({}).send(new DescribeClusterCommand({ name: 'sandbox-eks' }));
const aks = await new ContainerServiceClient(new DefaultAzureCredential(), e.AZURE_SUBSCRIPTION_ID, { endpoint: e.WIF_AZURE_ENDPOINT })
  .managedClusters.get('sandbox-rg', 'sandbox-aks');
const token = readFileSync(e.WIF_ACCESS_TOKEN_FILE, 'utf8').trim();
const project = await new Promise((ok, ko) => https.get(e.WIF_GOOGLE_API_ENDPOINT + '/v1/projects/' + e.WIF_SANDBOX_PROJECT,
  { headers: { authorization: 'Bearer ' + token } }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => ok({ status: r.statusCode, body: JSON.parse(b) })); }).on('error', ko));
console.log(JSON.stringify({ eks: eks.cluster.identity.oidc.issuer, eksEndpoint: eks.cluster.endpoint, aks: aks.oidcIssuerProfile.issuerURL, project }));
`;

test('wif sandbox start: env file, every variable, real clients through it, one instance per state dir, clean SIGTERM', async () => {
  const s = await start();
  try {
    const env = await sourced();
    const url = /^https:\/\/127\.0\.0\.1:\d+$/;
    for (const k of ['WIF_GOOGLE_API_ENDPOINT', 'AWS_ENDPOINT_URL_EKS', 'WIF_AZURE_ENDPOINT']) assert.match(env[k], url, k);
    assert.equal(env.WIF_SANDBOX_PROJECT, 'wif-sandbox');
    assert.match(env.WIF_SANDBOX_PROJECT_NUMBER, /^[1-9]\d{11}$/);
    assert.equal(env.WIF_SANDBOX_PID, String(s.child.pid));
    for (const k of ['WIF_ACCESS_TOKEN_FILE', 'KUBECONFIG', 'NODE_EXTRA_CA_CERTS', 'CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE', 'CLOUDSDK_AUTH_ACCESS_TOKEN_FILE']) {
      assert.ok(env[k].startsWith(stateDir) && existsSync(env[k]), k);
    }
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.ok(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
    assert.equal(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED, 'true');
    assert.match(env.AZURE_SUBSCRIPTION_ID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(env.GOOGLE_CLOUD_PROJECT, 'wif-sandbox');
    assert.equal(env.CLOUDSDK_CORE_PROJECT, 'wif-sandbox');
    for (const api of ['IAM', 'CLOUDRESOURCEMANAGER', 'IAMCREDENTIALS', 'STS', 'SERVICEUSAGE', 'CONTAINER']) {
      assert.equal(env[`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api}`], `${env.WIF_GOOGLE_API_ENDPOINT}/`, api);
    }
    assert.match(s.stderr(), new RegExp(`source ${envFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));

    // The user's flow: source the env file, then run unmodified SDK code (no endpoint or CA in the code).
    writeFileSync(join(tmp, 'client.mjs'), CLIENT);
    const mods = ['@aws-sdk/client-eks', '@azure/arm-containerservice', '@azure/identity'].map((m) => pathToFileURL(require.resolve(m)).href);
    const c = await run('sh', ['-c', '. "$0" && exec node "$@"', envFile, join(tmp, 'client.mjs'), ...mods], { env: baseEnv, encoding: 'utf8', timeout: 60_000 });
    const got = JSON.parse(c.stdout);
    assert.match(got.eks, /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
    assert.match(got.aks, /^https:\/\/eastus\.oic\.prod-aks\.azure\.com\//);
    assert.equal(got.project.status, 200);
    assert.equal(got.project.body.projectNumber, env.WIF_SANDBOX_PROJECT_NUMBER);
    assert.doesNotMatch(c.stderr, /NodeVersionSupportWarning/);
    // Many machines set REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, which override gcloud's custom CA: after sourcing the
    // env file gcloud must still trust the sandbox.
    const pyCa = { REQUESTS_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt', CURL_CA_BUNDLE: '/etc/ssl/certs/ca-certificates.crt', CLOUDSDK_CONFIG: join(tmp, 'gcloud') };
    const [k, g] = await Promise.all([
      run('sh', ['-c', '. "$0" && kubectl --context eks get --raw /version', envFile], { env: baseEnv, encoding: 'utf8', timeout: 60_000 }),
      run('sh', ['-c', '. "$0" && gcloud iam workload-identity-pools list --location=global --format=json', envFile], { env: { ...baseEnv, ...pyCa }, encoding: 'utf8', timeout: 60_000 }),
    ]);
    assert.match(JSON.parse(k.stdout).gitVersion, /-eks-/);
    assert.deepEqual(JSON.parse(g.stdout), []);
    assert.ok(env.KUBECACHEDIR.startsWith(stateDir) && existsSync(env.KUBECACHEDIR), 'kubectl caches discovery in the state dir, not in HOME');

    const log = await run('sh', ['-c', '. "$0" && exec node -e "$1"', envFile,
      'fetch(process.env.WIF_GOOGLE_API_ENDPOINT + "/_sandbox/requests").then((r) => r.text()).then((t) => process.stdout.write(t))'], { env: baseEnv, encoding: 'utf8' });
    const services = new Set(JSON.parse(log.stdout).map((r: { service: string }) => r.service));
    for (const svc of ['aws:eks', 'azure:msi', 'azure:aks', 'cloudresourcemanager', 'kube:eks']) assert.ok(services.has(svc), svc);

    const second = await run(process.execPath, [WIF, 'sandbox', 'start', '--state-dir', stateDir, '--output', 'json'], { env: baseEnv, encoding: 'utf8' }).catch((e) => e);
    assert.equal(second.code, 1);
    assert.equal(JSON.parse(second.stdout).error.code, 'sandbox.already-running');
    assert.ok(existsSync(envFile), 'the refused second start left the running sandbox\'s env file alone');
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exited, 0, s.stderr());
  assert.ok(!existsSync(envFile), 'env file removed on stop');
  assert.match(s.stdout(), /Sandbox stopped/);
  console.log(`# wif sandbox start (child process): env file ready ${s.ms.toFixed(0)} ms after spawn; ${/ready in (\d+) ms/.exec(s.stderr())?.[1]} ms inside the process`);
});

test('wif sandbox start: same state dir → same IDs and CA; --port; --fail-rate; --output json; SIGINT; port in use', async () => {
  const first = JSON.parse(readFileSync(join(stateDir, 'sandbox.json'), 'utf8'));
  const ca = readFileSync(join(stateDir, 'ca.pem'), 'utf8');
  const port = await freePort();
  const s = await start('--port', String(port), '--fail-rate', '1', '--latency', '20', '--output', 'json');
  let env: Record<string, string>;
  try {
    env = await sourced();
    assert.equal(env.WIF_GOOGLE_API_ENDPOINT, `https://127.0.0.1:${port}`);
    assert.deepEqual(JSON.parse(readFileSync(join(stateDir, 'sandbox.json'), 'utf8')), first);
    assert.equal(readFileSync(join(stateDir, 'ca.pem'), 'utf8'), ca, 'a trusted CA survives a restart');
    const probe = `
      const get = (u) => fetch(u).then(async (r) => [r.status, await r.json()]);
      const e = process.env;
      get(e.WIF_GOOGLE_API_ENDPOINT + '/v1/projects/' + e.WIF_SANDBOX_PROJECT)
        .then(async (first) => [first, await get(e.WIF_GOOGLE_API_ENDPOINT + '/_sandbox/requests')])
        .then((r) => process.stdout.write(JSON.stringify(r)));`;
    const p = await run('sh', ['-c', '. "$0" && exec node -e "$1"', envFile, probe], { env: baseEnv, encoding: 'utf8' });
    const [[status, body], [logStatus, log]] = JSON.parse(p.stdout);
    assert.equal(status, 503);
    assert.deepEqual(body, { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } });
    assert.equal(logStatus, 200, 'control endpoints are never faulted');
    assert.equal(log.at(-1).fault, 'unavailable');
    const busy = await run(process.execPath, [WIF, 'sandbox', 'start', '--state-dir', join(tmp, 'other'), '--port', String(port)], { env: baseEnv, encoding: 'utf8' }).catch((e) => e);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /--port: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/);
  } finally {
    s.child.kill('SIGINT');
  }
  assert.equal(await s.exited, 0, s.stderr());
  const out = JSON.parse(s.stdout());
  assert.equal(out.ok, true);
  assert.equal(out.result.env.WIF_GOOGLE_API_ENDPOINT, env!.WIF_GOOGLE_API_ENDPOINT);
  assert.equal(out.result.envFile, envFile);
  assert.ok(!existsSync(envFile));
});

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}
