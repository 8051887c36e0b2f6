import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestSandbox, httpsJson, type TestSandbox } from './helpers/sandbox.js';

// The whole sandbox in-process, driven by the real clients: @aws-sdk/client-eks, @azure/arm-containerservice,
// kubectl (through each context's exec shim) and gcloud; the cloud APIs agree with the kube clusters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const run = promisify(execFile);
let sb: TestSandbox;
let home: string;

before(async () => {
  sb = await startTestSandbox();
  home = mkdtempSync(join(tmpdir(), 'wif-sbclouds-home-'));
});
after(async () => {
  await sb.stop();
  rmSync(home, { recursive: true, force: true });
});

const spec = (key: string) => sb.sandbox.clusters.find((c) => c.spec.key === key)!;

async function eksClient(region?: string) {
  const { EKSClient } = await import('@aws-sdk/client-eks');
  return new EKSClient({
    region: region ?? sb.env.AWS_REGION, endpoint: sb.env.AWS_ENDPOINT_URL_EKS, maxAttempts: 1,
    credentials: { accessKeyId: sb.env.AWS_ACCESS_KEY_ID, secretAccessKey: sb.env.AWS_SECRET_ACCESS_KEY },
    requestHandler: { httpsAgent: new Agent({ ca: sb.caPem }) },
  });
}

async function aksClient(subscription = sb.env.AZURE_SUBSCRIPTION_ID) {
  const { ContainerServiceClient } = await import('@azure/arm-containerservice');
  const cred = { getToken: async () => ({ token: 'static-test-token', expiresOnTimestamp: Date.now() + 3600_000 }) };
  return new ContainerServiceClient(cred, subscription, { endpoint: sb.env.WIF_AZURE_ENDPOINT, tlsOptions: { ca: sb.caPem }, retryOptions: { maxRetries: 0 } });
}

async function kubectl(context: string, ...args: string[]): Promise<string> {
  const env = { PATH: process.env.PATH, HOME: home, KUBECONFIG: sb.env.KUBECONFIG, KUBECACHEDIR: sb.env.KUBECACHEDIR };
  const { stdout } = await run('kubectl', ['--context', context, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return stdout;
}

test('EKS: DescribeCluster/ListClusters through @aws-sdk/client-eks, consistent with the eks kube context', async () => {
  const { DescribeClusterCommand, ListClustersCommand } = await import('@aws-sdk/client-eks');
  const eks = await eksClient();
  const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'sandbox-eks' }));
  const c = spec('eks');
  assert.equal(cluster?.identity?.oidc?.issuer, c.spec.issuer);
  assert.match(c.spec.issuer, /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
  assert.equal(cluster?.endpoint, c.url);
  assert.equal(cluster?.arn, `arn:aws:eks:us-east-1:${c.spec.identity.accountId}:cluster/sandbox-eks`);
  assert.equal(cluster?.status, 'ACTIVE');
  assert.equal(cluster?.version, '1.32');
  assert.ok(cluster?.createdAt instanceof Date && !Number.isNaN(cluster.createdAt.getTime()));
  assert.equal(Buffer.from(cluster!.certificateAuthority!.data!, 'base64').toString(), sb.caPem);
  assert.deepEqual((await eks.send(new ListClustersCommand({}))).clusters, ['sandbox-eks']);
  // The kube API behind that endpoint serves the same issuer (kubectl → the aws exec shim → the admin token).
  const discovery = JSON.parse(await kubectl('eks', 'get', '--raw', '/.well-known/openid-configuration'));
  assert.equal(discovery.issuer, c.spec.issuer);
  assert.match(JSON.parse(await kubectl('eks', 'get', '--raw', '/version')).gitVersion, /^v1\.32\.\d+-eks-[0-9a-f]{7}$/);
});

test('EKS: AWS errors — unknown cluster, other region, no SigV4', async () => {
  const { DescribeClusterCommand, ListClustersCommand } = await import('@aws-sdk/client-eks');
  const eks = await eksClient();
  const e = await eks.send(new DescribeClusterCommand({ name: 'nope' })).catch((x) => x);
  assert.equal(e.name, 'ResourceNotFoundException');
  assert.equal(e.$metadata.httpStatusCode, 404);
  assert.equal(e.message, 'No cluster found for name: nope.');
  const west = await eksClient('us-west-2');
  assert.deepEqual((await west.send(new ListClustersCommand({}))).clusters, []);
  assert.equal((await west.send(new DescribeClusterCommand({ name: 'sandbox-eks' })).catch((x) => x)).name, 'ResourceNotFoundException');
  const raw = await httpsJson(`${sb.env.AWS_ENDPOINT_URL_EKS}/clusters/sandbox-eks`, { ca: sb.caPem });
  assert.equal(raw.status, 403);
  assert.equal(raw.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
  assert.deepEqual(raw.json, { message: 'Missing Authentication Token' });
});

test('AKS: managedClusters get/list through @azure/arm-containerservice, consistent with the aks kube context', async () => {
  const client = await aksClient();
  const c = spec('aks');
  const mc = await client.managedClusters.get('sandbox-rg', 'sandbox-aks');
  assert.equal(mc.oidcIssuerProfile?.enabled, true);
  assert.equal(mc.oidcIssuerProfile?.issuerURL, c.spec.issuer);
  assert.match(c.spec.issuer, /^https:\/\/eastus\.oic\.prod-aks\.azure\.com\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/$/);
  assert.equal(mc.fqdn, new URL(c.url).hostname);
  assert.equal(mc.location, 'eastus');
  assert.equal(mc.securityProfile?.workloadIdentity?.enabled, true);
  assert.equal(mc.id, `/subscriptions/${sb.env.AZURE_SUBSCRIPTION_ID}/resourcegroups/sandbox-rg/providers/Microsoft.ContainerService/managedClusters/sandbox-aks`);
  const all = [];
  for await (const x of client.managedClusters.list()) all.push(x.name);
  assert.deepEqual(all, ['sandbox-aks']);
  const inRg = [];
  for await (const x of client.managedClusters.listByResourceGroup('sandbox-rg')) inRg.push(x.name);
  assert.deepEqual(inRg, ['sandbox-aks']);
  const discovery = JSON.parse(await kubectl('aks', 'get', '--raw', '/.well-known/openid-configuration'));
  assert.equal(discovery.issuer, c.spec.issuer);
  const mine = sb.requests({ service: 'azure:aks' });
  assert.ok(mine.every((r) => /^api-version=\d{4}-\d{2}-\d{2}/.test(r.query)), 'the SDK sent its api-version');
});

test('AKS: ARM errors — unknown cluster, resource group, subscription; no bearer; no api-version', async () => {
  const client = await aksClient();
  const e = await client.managedClusters.get('sandbox-rg', 'nope').catch((x) => x);
  assert.equal(e.code, 'ResourceNotFound');
  assert.equal(e.statusCode, 404);
  assert.equal((await client.managedClusters.get('other-rg', 'sandbox-aks').catch((x) => x)).code, 'ResourceGroupNotFound');
  const other = await aksClient('00000000-0000-0000-0000-000000000000');
  assert.equal((await other.managedClusters.get('sandbox-rg', 'sandbox-aks').catch((x) => x)).code, 'SubscriptionNotFound');
  const path = `${sb.env.WIF_AZURE_ENDPOINT}/subscriptions/${sb.env.AZURE_SUBSCRIPTION_ID}/providers/Microsoft.ContainerService/managedClusters`;
  const noAuth = await httpsJson(`${path}?api-version=2026-04-01`, { ca: sb.caPem });
  assert.equal(noAuth.status, 401);
  assert.equal(noAuth.json.error.code, 'AuthenticationFailed');
  const noVersion = await httpsJson(path, { ca: sb.caPem, headers: { authorization: 'Bearer x' } });
  assert.equal(noVersion.status, 400);
  assert.equal(noVersion.json.error.code, 'MissingApiVersionParameter');
});

test('kubectl reaches every context through its platform\'s exec credential', async () => {
  for (const [ctx, version] of [['self-hosted', /^v1\.32\.5$/], ['aks', /^v1\.32\.5$/], ['gke', /^v1\.32\.4-gke\.\d+$/]] as const) {
    const v = JSON.parse(await kubectl(ctx, 'get', '--raw', '/version'));
    assert.match(v.gitVersion, version, ctx);
  }
  const kubeReqs = sb.requests({ listener: 'kube:gke' });
  assert.ok(kubeReqs.some((r) => r.path === '/version' && r.status === 200));
});

test('control: rotate-keys serves only the new key, keep-old serves both', async () => {
  const jwks = async () => JSON.parse(await kubectl('eks', 'get', '--raw', '/openid/v1/jwks')).keys.map((k: { kid: string }) => k.kid);
  const [k1] = await jwks();
  const rotate = (q = '') => httpsJson(`${sb.googleUrl}/_sandbox/clusters/eks/rotate-keys${q}`, { ca: sb.caPem, method: 'POST' });
  assert.equal((await rotate()).status, 200);
  const after1 = await jwks();
  assert.equal(after1.length, 1);
  assert.notEqual(after1[0], k1);
  assert.equal((await rotate('?keep-old=true')).status, 200);
  const after2 = await jwks();
  assert.equal(after2.length, 2);
  assert.ok(after2.includes(after1[0]));
  assert.equal((await httpsJson(`${sb.googleUrl}/_sandbox/clusters/nope/rotate-keys`, { ca: sb.caPem, method: 'POST' })).status, 404);
});

test('control: disable and re-enable a Google API of the sandbox project', async () => {
  const pools = `${sb.googleUrl}/v1/projects/${sb.env.WIF_SANDBOX_PROJECT}/locations/global/workloadIdentityPools`;
  const auth = { authorization: `Bearer ${sb.sandbox.ownerToken}` };
  const ctl = (verb: string) => httpsJson(`${sb.googleUrl}/_sandbox/services/iam.googleapis.com/${verb}`, { ca: sb.caPem, method: 'POST' });
  assert.equal((await ctl('disable')).status, 200);
  const off = await httpsJson(pools, { ca: sb.caPem, headers: auth });
  assert.equal(off.status, 403);
  assert.equal(off.json.error.status, 'PERMISSION_DENIED');
  assert.match(JSON.stringify(off.json.error.details), /SERVICE_DISABLED/);
  assert.equal((await ctl('enable')).status, 200);
  assert.equal((await httpsJson(pools, { ca: sb.caPem, headers: auth })).status, 200);
});

test('gcloud works with the env file\'s CLOUDSDK_* settings; reset empties the Google state and the request log', async () => {
  const token = sb.sandbox.ownerToken;
  const pools = `${sb.googleUrl}/v1/projects/${sb.env.WIF_SANDBOX_PROJECT}/locations/global/workloadIdentityPools`;
  const created = await httpsJson(`${pools}?workloadIdentityPoolId=demo-pool`, { ca: sb.caPem, method: 'POST', body: { displayName: 'Demo' }, headers: { authorization: `Bearer ${token}` } });
  assert.equal(created.status, 200, created.text);
  const gcloudEnv = { ...pick(sb.env, /^CLOUDSDK_/), PATH: process.env.PATH, HOME: home, CLOUDSDK_CONFIG: join(home, 'gcloud') };
  // `describe` (GET pool); `list` sends showDeleted=False, which the Google part does not parse yet.
  const describe = () => run('gcloud', ['iam', 'workload-identity-pools', 'describe', 'demo-pool', '--location=global', '--format=json'],
    { env: gcloudEnv, encoding: 'utf8', timeout: 60_000 });
  const pool = JSON.parse((await describe()).stdout);
  assert.equal(pool.name, `projects/${sb.env.WIF_SANDBOX_PROJECT_NUMBER}/locations/global/workloadIdentityPools/demo-pool`);
  assert.equal(pool.displayName, 'Demo');
  assert.ok(sb.requests({ service: 'iam' }).some((r) => r.method === 'GET' && r.status === 200 && r.path.endsWith('/workloadIdentityPools/demo-pool')));
  assert.equal((await httpsJson(`${sb.googleUrl}/_sandbox/reset`, { ca: sb.caPem, method: 'POST' })).status, 200);
  assert.deepEqual(sb.requests(), []);
  const gone = await describe().catch((e) => e);
  assert.match(String(gone.stderr), /NOT_FOUND/);
  assert.deepEqual(sb.requests().map((r) => r.status), [404]);
});

function pick(env: Record<string, string>, re: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => re.test(k)));
}
