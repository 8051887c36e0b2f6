import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { lookupCloud } from '../src/cloud/kube/cloud-lookup.js';
import type { IdentityGuess } from '../src/plan/detect-identity.js';

/**
 * The EKS, AKS and GKE lookups through their real SDKs against one local HTTPS fake (test/fixtures/detect-tls:
 * the Azure SDK refuses bearer tokens over http). The CA is given only through the command env's
 * NODE_EXTRA_CA_CERTS, which this process did not start with: the clients must pass it explicitly.
 */
const TLS = join(process.cwd(), 'test', 'fixtures', 'detect-tls');
const SUB = '11111111-2222-3333-4444-555555555555';
const EKS_ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/AAAABBBBCCCCDDDDEEEEFFFF00001111';
const AKS_ISSUER = 'https://westeurope.oic.prod-aks.azure.com/tenant/guid/';
const AKS_FQDN = 'aks-prod-dns-4kq8x2m1.hcp.westeurope.azmk8s.io';

let scenario: { aksOidc: boolean; aksStatus?: number; gkePool: boolean } = { aksOidc: true, gkePool: true };
const seen: { url: string; auth?: string }[] = [];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
function eksCluster(name: string) {
  return { name, arn: `arn:aws:eks:eu-west-1:123456789012:cluster/${name}`, createdAt: 1700000000.5, version: '1.32', status: 'ACTIVE',
    endpoint: `https://AAAABBBBCCCCDDDDEEEEFFFF0000${name === 'batch' ? '1111' : '2222'}.gr7.eu-west-1.eks.amazonaws.com`, identity: { oidc: { issuer: name === 'batch' ? EKS_ISSUER : `${EKS_ISSUER}x` } } };
}
function managedCluster(name: string, rg: string, fqdn: string) {
  return { id: `/subscriptions/${SUB}/resourcegroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`, name, location: 'westeurope', type: 'Microsoft.ContainerService/ManagedClusters',
    properties: { provisioningState: 'Succeeded', fqdn, currentKubernetesVersion: '1.32.6', oidcIssuerProfile: scenario.aksOidc ? { enabled: true, issuerURL: AKS_ISSUER } : { enabled: false }, securityProfile: {} } };
}
function route(req: IncomingMessage, res: ServerResponse) {
  const u = new URL(req.url ?? '/', 'https://x');
  seen.push({ url: u.pathname, auth: req.headers.authorization });
  if (u.pathname === '/clusters') return json(res, 200, { clusters: ['other', 'batch'] });
  const eks = /^\/clusters\/([^/]+)$/.exec(u.pathname);
  if (eks) return eks[1] === 'missing' ? json(res, 404, { message: `No cluster found for name: ${eks[1]}.` }, { 'x-amzn-errortype': 'ResourceNotFoundException' }) : json(res, 200, { cluster: eksCluster(eks[1]) });
  if (u.pathname.startsWith('/subscriptions/')) {
    if (scenario.aksStatus) return json(res, scenario.aksStatus, { error: { code: 'AuthorizationFailed', message: 'no' } }, { 'x-ms-error-code': 'AuthorizationFailed' });
    if (/\/managedClusters$/i.test(u.pathname)) return json(res, 200, { value: [managedCluster('dev', 'rg-dev', 'dev-dns.hcp.westeurope.azmk8s.io'), managedCluster('aks-prod', 'rg-prod', AKS_FQDN)] });
    const m = /resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i.exec(u.pathname);
    if (m) return json(res, 200, managedCluster(m[2], m[1], 'x.hcp.westeurope.azmk8s.io'));
  }
  const gke = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/.exec(u.pathname);
  if (gke && gke[3] === 'missing') return json(res, 404, { error: { code: 404, message: 'Not found: cluster missing.', status: 'NOT_FOUND' } });
  if (gke) return json(res, 200, { name: gke[3], location: gke[2], endpoint: '34.1.2.3', currentMasterVersion: '1.32.4-gke.1106006', ...(scenario.gkePool ? { workloadIdentityConfig: { workloadPool: `${gke[1]}.svc.id.goog` } } : {}) });
  return json(res, 404, { message: `fake: no route ${req.method} ${u.pathname}` });
}

let server: Server;
let dir: string;
let env: Record<string, string | undefined>;
before(async () => {
  server = createServer({ cert: readFileSync(join(TLS, 'localhost.crt')), key: readFileSync(join(TLS, 'localhost.key')) }, route);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'wif-detect-cloud-'));
  writeFileSync(join(dir, 'arm-token'), 'arm-token-value\n');
  writeFileSync(join(dir, 'gcp-token'), 'gcp-token-value\n');
  env = {
    HOME: dir, NODE_EXTRA_CA_CERTS: join(TLS, 'localhost.crt'),
    AWS_ENDPOINT_URL_EKS: url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_EC2_METADATA_DISABLED: 'true',
    WIF_AZURE_ENDPOINT: url, AZURE_SUBSCRIPTION_ID: SUB, WIF_AZURE_ACCESS_TOKEN_FILE: join(dir, 'arm-token'),
    WIF_GOOGLE_API_ENDPOINT: url, CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(dir, 'gcp-token'),
  };
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const guess = (identity: Record<string, string>, hints: IdentityGuess['hints'] = {}): IdentityGuess => ({ identity, sources: {}, hints, notes: [] });

test('EKS: DescribeCluster gives the issuer and the account; a missing cluster says how to list them', async () => {
  const f = await lookupCloud('eks', guess({ name: 'batch', region: 'eu-west-1' }), { env });
  assert.deepEqual(f.findings, []);
  assert.equal(f.issuer, EKS_ISSUER);
  assert.deepEqual(f.identity, { name: 'batch', region: 'eu-west-1', accountId: '123456789012' });
  assert.match(seen.find((s) => s.url === '/clusters/batch')?.auth ?? '', /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d+\/eu-west-1\/eks\//);
  const nf = await lookupCloud('eks', guess({ name: 'missing', region: 'eu-west-1' }), { env });
  assert.equal(nf.findings[0].code, 'aws.eks.cluster-not-found');
  assert.match(nf.findings[0].hint ?? '', /aws eks list-clusters --region eu-west-1/);
});

test('EKS without a cluster name: ListClusters and match the endpoint host', async () => {
  const f = await lookupCloud('eks', guess({ region: 'eu-west-1' }, { serverHost: 'aaaabbbbccccddddeeeeffff00001111.gr7.eu-west-1.eks.amazonaws.com' }), { env });
  assert.equal(f.identity.name, 'batch');
  assert.equal(f.issuer, EKS_ISSUER);
  const noRegion = await lookupCloud('eks', guess({ name: 'batch' }), { env });
  assert.equal(noRegion.findings[0].code, 'eks.identity-unknown');
});

test('AKS: the cluster is found by its FQDN across the subscription, with the static ARM token', async () => {
  scenario = { aksOidc: true, gkePool: true };
  const f = await lookupCloud('aks', guess({ fqdn: AKS_FQDN, resourceGroup: 'wrong_guess', name: 'wrong' }), { env });
  assert.deepEqual(f.findings, []);
  assert.equal(f.issuer, AKS_ISSUER);
  assert.deepEqual(f.identity, { subscriptionId: SUB, resourceGroup: 'rg-prod', name: 'aks-prod', location: 'westeurope' });
  assert.equal(seen.filter((s) => s.url.startsWith('/subscriptions/')).pop()?.auth, 'Bearer arm-token-value');
  const byName = await lookupCloud('aks', guess({ resourceGroup: 'rg-x', name: 'x1' }, { serverHost: '10.0.0.4' }), { env });
  assert.equal(byName.identity.name, 'x1');
});

test('AKS with the OIDC issuer disabled: an error with the az command that enables it', async () => {
  scenario = { aksOidc: false, gkePool: true };
  const f = await lookupCloud('aks', guess({ fqdn: AKS_FQDN }), { env });
  scenario = { aksOidc: true, gkePool: true };
  assert.equal(f.issuer, undefined);
  assert.equal(f.findings[0].code, 'azure.aks.oidc-issuer-disabled');
  assert.equal(f.findings[0].hint, 'Enable it: `az aks update -g rg-prod -n aks-prod --enable-oidc-issuer` (then re-run wif detect).');
});

test('AKS 403 and missing subscription are translated', async () => {
  scenario = { aksOidc: true, aksStatus: 403, gkePool: true };
  const f = await lookupCloud('aks', guess({ fqdn: AKS_FQDN }), { env });
  scenario = { aksOidc: true, gkePool: true };
  assert.equal(f.findings[0].code, 'azure.aks.access-denied');
  const noSub = await lookupCloud('aks', guess({ fqdn: AKS_FQDN }), { env: { ...env, AZURE_SUBSCRIPTION_ID: undefined, PATH: dir } });
  assert.equal(noSub.findings[0].code, 'azure.subscription-missing');
});

test('GKE: clusters.get gives the workload pool; Workload Identity off is an error with the gcloud fix', async () => {
  const f = await lookupCloud('gke', guess({ projectId: 'my-proj', location: 'us-central1', name: 'demo' }), { env });
  assert.deepEqual(f.findings, []);
  assert.equal(f.issuer, 'https://container.googleapis.com/v1/projects/my-proj/locations/us-central1/clusters/demo');
  assert.equal(f.identity.workloadPool, 'my-proj.svc.id.goog');
  assert.equal(seen.find((s) => s.url.startsWith('/v1/projects/my-proj'))?.auth, 'Bearer gcp-token-value');
  scenario = { aksOidc: true, gkePool: false };
  const off = await lookupCloud('gke', guess({ projectId: 'my-proj', location: 'us-central1', name: 'demo' }), { env });
  scenario = { aksOidc: true, gkePool: true };
  assert.equal(off.findings[0].code, 'gcp.gke.workload-identity-disabled');
  assert.match(off.findings[0].hint ?? '', /--workload-pool=my-proj\.svc\.id\.goog/);
  const nf = await lookupCloud('gke', guess({ projectId: 'my-proj', location: 'us-central1', name: 'missing' }), { env });
  assert.equal(nf.findings[0].code, 'gcp.container.cluster-not-found');
  const noId = await lookupCloud('gke', guess({ projectId: 'my-proj' }), { env });
  assert.equal(noId.findings[0].code, 'gke.identity-unknown');
});

test('self-hosted asks no cloud API', async () => {
  const n = seen.length;
  assert.deepEqual(await lookupCloud('self-hosted', guess({}), { env }), { identity: {}, findings: [] });
  assert.equal(seen.length, n);
});
