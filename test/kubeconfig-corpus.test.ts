import { test } from 'node:test';
import assert from 'node:assert/strict';
import { delimiter, join } from 'node:path';
import { loadKubeconfig, resolveContext } from '../src/cloud/kube/kubeconfig.js';
import { detectInputOf } from '../src/cloud/kube/observe.js';
import { classify, type Platform, type Signal } from '../src/plan/detect.js';
import { extractIdentity } from '../src/plan/detect-identity.js';
import { UsageError } from '../src/core/errors.js';

/**
 * Real-world kubeconfig shapes (test/fixtures/kubeconfigs, each written from its tool's documented output)
 * → platform, confidence, identity and the signals that decided it. `gitVersion`/`apiGroups`/`issuer` stand
 * for what the server answers, where the kubeconfig alone cannot tell.
 */
const DIR = join(process.cwd(), 'test', 'fixtures', 'kubeconfigs');

interface Case {
  file: string;
  context?: string;
  server?: { gitVersion?: string; apiGroups?: string[]; issuer?: string };
  platform: Platform;
  confidence?: 'high' | 'medium' | 'low';
  identity: Record<string, string>;
  signals: Signal[];
  /** Signals that pointed elsewhere and were outweighed. */
  against?: Signal[];
  distribution?: string;
  hints?: Record<string, string>;
}

const CASES: Case[] = [
  { file: 'eksctl.yaml', platform: 'eks', confidence: 'high', identity: { name: 'demo', region: 'us-west-2' }, signals: ['server-host', 'exec-command', 'context-name', 'cluster-name'] },
  { file: 'eksctl-authenticator.yaml', platform: 'eks', confidence: 'high', identity: { name: 'batch', region: 'eu-west-1' }, signals: ['server-host', 'exec-command', 'cluster-name'] },
  { file: 'aws-update-kubeconfig.yaml', platform: 'eks', confidence: 'high', identity: { name: 'demo', region: 'us-west-2', accountId: '123456789012' }, signals: ['server-host', 'exec-command', 'context-name', 'cluster-name', 'user-name'] },
  { file: 'aws-update-kubeconfig-alias.yaml', platform: 'eks', confidence: 'high', identity: { name: 'payments', region: 'ap-southeast-2', accountId: '210987654321' }, signals: ['server-host', 'exec-command', 'cluster-name'], hints: { awsProfile: 'prod', awsRoleArn: 'arn:aws:iam::210987654321:role/eks-admin' } },
  { file: 'aws-update-kubeconfig-user-alias.yaml', platform: 'eks', confidence: 'high', identity: { name: 'api', region: 'us-east-1', accountId: '111122223333' }, signals: ['server-host', 'exec-command', 'cluster-name'] },
  { file: 'eks-private-tunnel.yaml', platform: 'eks', confidence: 'high', identity: { name: 'internal-platform', region: 'eu-central-1' }, signals: ['tls-server-name', 'exec-command'], against: ['server-host'] },
  { file: 'aks-local-accounts.yaml', platform: 'aks', confidence: 'high', identity: { resourceGroup: 'rg-prod', name: 'aks-prod', region: 'westeurope', fqdn: 'aks-prod-dns-4kq8x2m1.hcp.westeurope.azmk8s.io' }, signals: ['server-host', 'user-name'] },
  { file: 'aks-admin-underscores.yaml', platform: 'aks', confidence: 'high', identity: { resourceGroup: 'my_rg', name: 'team_aks', region: 'eastus', fqdn: 'teamaks-my-rg-0f1e2d-9c8b7a65.hcp.eastus.azmk8s.io' }, signals: ['server-host', 'user-name'] },
  { file: 'aks-kubelogin.yaml', platform: 'aks', confidence: 'high', identity: { resourceGroup: 'rg-dev', name: 'aks-dev', region: 'northeurope', fqdn: 'aks-dev-dns-7h3k9q.hcp.northeurope.azmk8s.io' }, signals: ['server-host', 'exec-command', 'user-name'] },
  { file: 'aks-private.yaml', platform: 'aks', confidence: 'high', identity: { region: 'eastus2', fqdn: 'aks-priv-dns-1a2b3c4d.5e6f7a8b-1234-5678-9abc-def012345678.privatelink.eastus2.azmk8s.io' }, signals: ['server-host', 'exec-command'], hints: { azureTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
  { file: 'gke-zonal.yaml', platform: 'gke', confidence: 'high', identity: { projectId: 'my-proj', location: 'us-central1-a', name: 'demo' }, signals: ['exec-command', 'context-name'] },
  { file: 'gke-regional.yaml', platform: 'gke', confidence: 'high', identity: { projectId: 'acme-prod-42', location: 'europe-west4', name: 'prod-cluster' }, signals: ['exec-command', 'context-name'] },
  { file: 'gke-internal-ip.yaml', platform: 'gke', confidence: 'high', identity: { projectId: 'net-proj', location: 'us-east4', name: 'private-1' }, signals: ['exec-command', 'context-name'], against: ['server-host'] },
  { file: 'gke-dns-endpoint.yaml', platform: 'gke', confidence: 'high', identity: { projectId: 'my-proj', location: 'us-central1', name: 'demo-gke', projectNumber: '123456789012' }, signals: ['server-host', 'exec-command', 'cluster-name'] },
  { file: 'gke-legacy-auth-provider.yaml', platform: 'gke', confidence: 'high', identity: { projectId: 'example.com:legacy-proj', location: 'us-west1-b', name: 'old' }, signals: ['auth-provider', 'context-name'] },
  { file: 'gke-zonal.yaml', server: { gitVersion: 'v1.32.4-gke.1106006', issuer: 'https://container.googleapis.com/v1/projects/my-proj/locations/us-central1-a/clusters/demo' }, platform: 'gke', confidence: 'high', identity: { projectId: 'my-proj', location: 'us-central1-a', name: 'demo' }, signals: ['server-version', 'issuer'] },
  { file: 'kubeadm.yaml', platform: 'self-hosted', confidence: 'medium', distribution: 'kubeadm', identity: {}, signals: ['context-name', 'server-host'] },
  { file: 'k3s.yaml', platform: 'self-hosted', confidence: 'low', identity: {}, signals: ['server-host'] },
  { file: 'k3s.yaml', server: { gitVersion: 'v1.32.5+k3s1', issuer: 'https://kubernetes.default.svc.cluster.local' }, platform: 'self-hosted', confidence: 'high', distribution: 'k3s', identity: {}, signals: ['server-version', 'issuer'] },
  { file: 'rke2.yaml', server: { gitVersion: 'v1.30.4+rke2r1' }, platform: 'self-hosted', confidence: 'high', distribution: 'rke2', identity: {}, signals: ['server-version'] },
  { file: 'kind.yaml', platform: 'self-hosted', confidence: 'high', distribution: 'kind', identity: {}, signals: ['context-name', 'server-host'] },
  { file: 'minikube.yaml', platform: 'self-hosted', confidence: 'high', distribution: 'minikube', identity: {}, signals: ['context-name'] },
  { file: 'rancher.yaml', server: { gitVersion: 'v1.30.4+rke2r1' }, platform: 'self-hosted', confidence: 'high', distribution: 'rke2', identity: {}, signals: ['server-host', 'server-version'] },
  { file: 'rancher.yaml', context: 'edge-rke2-cp-1', server: { gitVersion: 'v1.30.4+rke2r1' }, platform: 'self-hosted', confidence: 'high', distribution: 'rke2', identity: {}, signals: ['server-version', 'server-host'] },
  { file: 'rancher.yaml', context: 'team-eks', server: { gitVersion: 'v1.31.4-eks-2d5f260', issuer: 'https://oidc.eks.us-east-2.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789' }, platform: 'eks', confidence: 'high', identity: { region: 'us-east-2' }, signals: ['server-version', 'issuer'], against: ['server-host'] },
  { file: 'openshift.yaml', platform: 'self-hosted', confidence: 'high', distribution: 'openshift', identity: {}, signals: ['server-host', 'context-name', 'cluster-name'] },
  { file: 'openshift.yaml', server: { gitVersion: 'v1.31.6', apiGroups: ['apps', 'config.openshift.io', 'route.openshift.io'], issuer: 'https://kubernetes.default.svc' }, platform: 'self-hosted', confidence: 'high', distribution: 'openshift', identity: {}, signals: ['api-groups', 'issuer'] },
];

for (const c of CASES) {
  const label = `${c.file}${c.context ? ` --context ${c.context}` : ''}${c.server ? ' + server answers' : ''} → ${c.platform}`;
  test(label, async () => {
    const kc = await loadKubeconfig(join(DIR, c.file), {}, DIR);
    const input = { ...detectInputOf(resolveContext(kc, c.context)), ...c.server };
    const cls = classify(input);
    assert.equal(cls.platform, c.platform, JSON.stringify(cls.evidence, null, 1));
    if (c.confidence) assert.equal(cls.confidence, c.confidence, JSON.stringify(cls.scores));
    assert.equal(cls.distribution, c.distribution);
    const signals = new Set(cls.evidence.filter((e) => e.platform === c.platform).map((e) => e.signal));
    for (const s of c.signals) assert.ok(signals.has(s), `expected a ${s} signal for ${c.platform}; got ${[...signals].join(', ')}`);
    const elsewhere = new Set(cls.evidence.filter((e) => e.platform !== c.platform).map((e) => e.signal));
    assert.deepEqual([...elsewhere].sort(), [...(c.against ?? [])].sort(), 'signals pointing at another platform');
    const id = extractIdentity(cls.platform, input);
    assert.deepEqual(id.identity, c.identity);
    for (const [k, v] of Object.entries(c.hints ?? {})) assert.equal((id.hints as Record<string, string>)[k], v, k);
  });
}

test('evidence never carries credentials from the kubeconfig', async () => {
  for (const f of ['aks-local-accounts.yaml', 'rancher.yaml', 'openshift.yaml']) {
    const kc = await loadKubeconfig(join(DIR, f), {}, DIR);
    const text = JSON.stringify(classify(detectInputOf(resolveContext(kc, undefined))));
    assert.doesNotMatch(text, /kubeconfig-user|sha256~|0123456789abcdef0123456789abcdef|LS0tLS1/);
  }
});

test('KUBECONFIG with several files: first file wins per name and for current-context; missing files are skipped', async () => {
  const env = { KUBECONFIG: [join(DIR, 'merge-a.yaml'), join(DIR, 'does-not-exist.yaml'), join(DIR, 'merge-b.yaml')].join(delimiter) };
  const kc = await loadKubeconfig(undefined, env, DIR);
  assert.equal(kc.files.length, 2);
  assert.equal(kc.currentContext, 'shared');
  const shared = resolveContext(kc, undefined);
  assert.match(shared.server ?? '', /eks\.amazonaws\.com/);
  assert.equal(shared.exec?.command, 'aws');
  const onlyB = resolveContext(kc, 'only-b');
  assert.equal(classify(detectInputOf(onlyB)).platform, 'aks');
  const cross = resolveContext(kc, 'cross');
  assert.match(cross.server ?? '', /azmk8s/);
  assert.deepEqual([...kc.contexts.keys()].sort(), ['cross', 'only-b', 'shared']);
});

test('--kubeconfig wins over KUBECONFIG, and a missing --kubeconfig file is a usage error', async () => {
  const kc = await loadKubeconfig(join(DIR, 'kind.yaml'), { KUBECONFIG: join(DIR, 'merge-a.yaml') }, DIR);
  assert.equal(kc.currentContext, 'kind-dev');
  await assert.rejects(loadKubeconfig(join(DIR, 'nope.yaml'), {}, DIR), (e: unknown) => e instanceof UsageError && e.code === 'kube.kubeconfig.unreadable' && e.exitCode === 2);
});

test('without --kubeconfig and KUBECONFIG, ~/.kube/config under HOME is read', async () => {
  const kc = await loadKubeconfig(undefined, { HOME: join(DIR, 'no-home') }, DIR);
  assert.deepEqual(kc.files, []);
  assert.throws(() => resolveContext(kc, undefined), (e: unknown) => e instanceof UsageError && e.code === 'kube.context.none');
});

test('unknown context: exit 2 listing the available ones', async () => {
  const kc = await loadKubeconfig(join(DIR, 'rancher.yaml'), {}, DIR);
  assert.throws(() => resolveContext(kc, 'prod'), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.equal(e.code, 'kube.context.unknown');
    assert.match(e.message, /"prod"/);
    assert.match(e.hint ?? '', /edge-rke2, edge-rke2-cp-1, team-eks/);
    return true;
  });
});

test('invalid YAML names the file', async () => {
  const { mergeKubeconfigText, emptyKubeconfig } = await import('../src/cloud/kube/kubeconfig.js');
  assert.throws(() => mergeKubeconfigText(emptyKubeconfig(), 'clusters: [\n  - {', '/x/config'), (e: unknown) => e instanceof UsageError && /\/x\/config/.test(e.message));
});
