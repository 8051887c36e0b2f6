import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runWif } from './helpers/run.js';

const PROVIDER = ['--project-number', '123', '--pool', 'k8s-pool', '--provider', 'k8s-prod'];
const AUD_HTTPS = 'https://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/k8s-pool/providers/k8s-prod';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'wif-render-'));
}

test('render all --out writes the four files atomically, under stable names, and reports them', async () => {
  const cwd = tmp();
  try {
    const r = await runWif(['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--out', 'k8s', '--output', 'json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const dir = join(cwd, 'k8s');
    assert.deepEqual(readdirSync(dir).sort(), ['configmap.yaml', 'credential-configuration.json', 'pod.yaml', 'serviceaccount.yaml'], 'no temp files left');
    assert.deepEqual(r.json.result.files, [
      { path: join(dir, 'credential-configuration.json'), kind: 'cred-config' },
      { path: join(dir, 'configmap.yaml'), kind: 'configmap' },
      { path: join(dir, 'serviceaccount.yaml'), kind: 'serviceaccount' },
      { path: join(dir, 'pod.yaml'), kind: 'pod' },
    ]);
    const cm = parse(readFileSync(join(dir, 'configmap.yaml'), 'utf8'));
    assert.equal(cm.data['credential-configuration.json'], readFileSync(join(dir, 'credential-configuration.json'), 'utf8'));
    const pod = parse(readFileSync(join(dir, 'pod.yaml'), 'utf8'));
    assert.equal(pod.spec.volumes[0].projected.sources[0].serviceAccountToken.audience, AUD_HTTPS);
    assert.equal(pod.spec.serviceAccountName, 'api');
    const text = await runWif(['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--out', 'k8s'], { cwd });
    assert.match(text.stdout, /^wrote .*k8s\/pod\.yaml \(pod\)$/m);
    assert.match(text.stdout, /^note: apply with: kubectl apply -f \S+configmap\.yaml -f \S+serviceaccount\.yaml -f \S+pod\.yaml$/m);
    writeFileSync(join(cwd, 'afile'), '');
    const blocked = await runWif(['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--out', 'afile', '--json'], { cwd });
    assert.equal(blocked.code, 1);
    assert.equal(blocked.json.error.code, 'render.write');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('render all to stdout is one multi-document YAML stream with the cred-config inside the ConfigMap', async () => {
  const r = await runWif(['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--service-account', 'workload-sa@my-proj.iam.gserviceaccount.com', '--token-lifetime', '3600', '--name', 'probe']);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['ConfigMap', 'ServiceAccount', 'Pod']);
  const cred = JSON.parse(docs[0].data['credential-configuration.json']);
  assert.equal(cred.service_account_impersonation.token_lifetime_seconds, 3600);
  assert.equal(docs[2].metadata.name, 'probe');
});

test('render cred-config prints the exact bytes (no newline added) and honours WIF_GOOGLE_API_ENDPOINT', async () => {
  const r = await runWif(['render', 'cred-config', ...PROVIDER]);
  assert.equal(r.code, 0);
  assert.ok(r.stdout.endsWith('}'), 'no trailing newline, as gcloud writes it');
  assert.equal(JSON.parse(r.stdout).token_url, 'https://sts.googleapis.com/v1/token');
  const s = await runWif(['render', 'cred-config', ...PROVIDER, '--service-account', 'workload-sa@my-proj.iam.gserviceaccount.com'], { env: { WIF_GOOGLE_API_ENDPOINT: 'https://127.0.0.1:9443/' } });
  const cred = JSON.parse(s.stdout);
  assert.equal(cred.token_url, 'https://127.0.0.1:9443/v1/token');
  assert.equal(cred.service_account_impersonation_url, 'https://127.0.0.1:9443/v1/projects/-/serviceAccounts/workload-sa@my-proj.iam.gserviceaccount.com:generateAccessToken');
  const j = await runWif(['render', 'cred-config', ...PROVIDER, '--json']);
  assert.deepEqual(j.json.result.files.map((f: { name: string }) => f.name), ['credential-configuration.json']);
  assert.equal(j.json.result.files[0].content, r.stdout);
});

test('render reads wif.yaml when flags are absent; flags win', async () => {
  const cwd = tmp();
  try {
    writeFileSync(join(cwd, 'wif.yaml'), stringify({
      version: 1, project: { id: 'my-project-1', number: '999' }, pool: { id: 'pool-a' }, provider: { id: 'prov-a', allowedAudiences: ['my-aud'] },
      workload: { namespace: 'team', ksa: 'runner', tokenPath: '/var/run/gcp/token', tokenExpiration: 7200 },
    }));
    const r = await runWif(['render', 'pod', '--output', 'json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const pod = parse(r.json.result.files[0].content);
    assert.equal(pod.metadata.namespace, 'team');
    assert.equal(pod.spec.serviceAccountName, 'runner');
    assert.deepEqual(pod.spec.volumes[0].projected.sources[0].serviceAccountToken, { path: 'token', audience: 'my-aud', expirationSeconds: 7200 });
    const c = await runWif(['render', 'cred-config', '--provider', 'prov-b'], { cwd });
    assert.equal(JSON.parse(c.stdout).audience, '//iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/pool-a/providers/prov-b');
    assert.equal(JSON.parse(c.stdout).credential_source.file, '/var/run/gcp/token');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('a missing or unknown KIND exits 2 and lists the kinds', async () => {
  for (const argv of [['render'], ['render', 'deployment']]) {
    const r = await runWif([...argv, '--output', 'json']);
    assert.equal(r.code, 2);
    assert.equal(r.json.error.code, 'render.kind');
    assert.match(r.json.error.hint, /cred-config, configmap, serviceaccount, pod, patch, credential-provider, all/);
  }
});

test('missing or bad inputs exit 2 naming the flags, and nothing is written', async () => {
  const cwd = tmp();
  try {
    const cases: [string[], string[]][] = [
      [['render', 'all', '--ksa', 'backend/api'], ['--project-number', '--pool', '--provider']],
      [['render', 'pod', ...PROVIDER], ['--ksa']],
      [['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--token-lifetime', '100'], ['--token-lifetime']],
      [['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--token-expiration', '60'], ['--token-expiration']],
      [['render', 'all', ...PROVIDER, '--ksa', 'backend/api', '--token-path', '/etc/gcp/token'], ['--token-path']],
    ];
    for (const [argv, flags] of cases) {
      const r = await runWif([...argv, '--out', 'k8s', '--output', 'json'], { cwd });
      assert.equal(r.code, 2, argv.join(' '));
      for (const flag of flags) assert.match(r.json.error.message, new RegExp(flag), argv.join(' '));
      assert.deepEqual(readdirSync(cwd), []);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('render patch: needs container names, takes them from --container or --from, writes patch + kustomize snippet', async () => {
  const cwd = tmp();
  try {
    const base = ['render', 'patch', ...PROVIDER, '--ksa', 'backend/api', '--kind', 'deployment', '--name', 'web'];
    const none = await runWif([...base, '--output', 'json'], { cwd });
    assert.equal(none.code, 2);
    assert.match(none.json.error.message, /--container: a strategic-merge patch merges containers by name/);
    assert.match(none.json.error.hint, /--from FILE/);
    const named = await runWif([...base, '--container', 'app', '--container', 'sidecar']);
    assert.equal(named.code, 0, named.stderr);
    const patch = parse(named.stdout);
    assert.deepEqual(patch.spec.template.spec.containers.map((c: { name: string }) => c.name), ['app', 'sidecar']);
    writeFileSync(join(cwd, 'deploy.yaml'), stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'backend' }, spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }] } } } }));
    const from = await runWif([...base, '--from', 'deploy.yaml', '--out', 'out', '--json'], { cwd });
    assert.equal(from.code, 0, from.stderr);
    assert.deepEqual(readdirSync(join(cwd, 'out')).sort(), ['kustomization-patch.yaml', 'patch.yaml']);
    const written = parse(readFileSync(join(cwd, 'out', 'patch.yaml'), 'utf8'));
    assert.deepEqual(written.spec.template.spec.containers.map((c: { name: string }) => c.name), ['only']);
    const k = parse(readFileSync(join(cwd, 'out', 'kustomization-patch.yaml'), 'utf8'));
    assert.deepEqual(k.patches[0].target, { group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', namespace: 'backend' });
    const bad = await runWif(['render', 'patch', ...PROVIDER, '--ksa', 'backend/api', '--kind', 'Pod', '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.json.error.message, /--kind: "Pod" is not a workload kind/);
    assert.match(bad.json.error.message, /--name: required/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('render credential-provider: refuses < 1.33, notes the 1.33 feature gate, writes config and RBAC separately', async () => {
  const base = ['render', 'credential-provider', ...PROVIDER, '--registry', 'us-docker.pkg.dev'];
  const old = await runWif([...base, '--kubernetes-version', '1.32', '--json']);
  assert.equal(old.code, 2);
  assert.match(old.json.error.message, /--kubernetes-version: Kubernetes 1\.32 .*1\.33 or later/);
  const v33 = await runWif([...base, '--kubernetes-version', 'v1.33.4', '--json']);
  assert.equal(v33.code, 0);
  assert.ok(v33.json.result.notes.some((n: string) => n.includes('KubeletServiceAccountTokenForCredentialProviders=true')));
  assert.deepEqual(v33.json.result.files.map((f: { name: string }) => f.name), ['credential-provider.yaml', 'credential-provider-rbac.yaml']);
  const cfg = parse(v33.json.result.files[0].content);
  assert.equal(cfg.providers[0].tokenAttributes.serviceAccountTokenAudience, AUD_HTTPS);
  assert.equal(cfg.providers[0].tokenAttributes.cacheType, undefined);
  const v34 = await runWif([...base, '--kubernetes-version', '1.34']);
  assert.equal(v34.code, 0);
  const docs = parseAllDocuments(v34.stdout).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['CredentialProviderConfig', 'ClusterRole', 'ClusterRoleBinding']);
  assert.equal(docs[0].providers[0].tokenAttributes.cacheType, 'Token');
  assert.deepEqual(docs[1].rules[0].resources, [AUD_HTTPS]);
});
