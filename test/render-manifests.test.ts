import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { providerAudience, tokenAudience } from '../src/plan/names.js';
import {
  parseKubernetesMinor, renderCredentialProviderConfig, renderCredentialProviderRbac, validateCredentialProvider,
} from '../src/render/credential-provider.js';
import { renderAllKind, renderCredentialProviderKind, renderPatchKind } from '../src/render/kinds.js';
import { renderConfigMap, renderPod, validateWorkload, type WorkloadInput } from '../src/render/manifests.js';
import { podSpecPath, renderKustomizationPatch, renderPatch, WORKLOAD_KINDS, type WorkloadKind } from '../src/render/patch.js';
import { workloadFromManifest } from '../src/render/patch-source.js';

const provider = { projectNumber: '123456789012', poolId: 'k8s-pool', providerId: 'k8s-prod' };
const base: WorkloadInput & { ksa: string } = {
  provider, allowedAudiences: [], tokenPath: '/var/run/service-account/token', tokenExpiration: 3600,
  configMapName: 'gcp-cred-config', credConfigPath: '/etc/gcp/credential-configuration.json', namespace: 'backend', ksa: 'api',
};

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const kubectlSkip = hasKubectl ? false : 'kubectl is not installed';

type Obj = Record<string, any>;
const docs = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJS());

/** Check one pod spec the way the kubelet will use it: token file, cred-config file, env, KSA. */
function assertWired(spec: Obj, w: WorkloadInput & { ksa: string }, containerNames: string[], credConfig: Obj) {
  assert.equal(spec.serviceAccountName, w.ksa);
  const tokenVol = spec.volumes.find((v: Obj) => v.projected);
  const src = tokenVol.projected.sources[0].serviceAccountToken;
  assert.equal(src.audience, tokenAudience(w.provider, w.allowedAudiences));
  assert.equal(src.expirationSeconds, w.tokenExpiration);
  const cmVol = spec.volumes.find((v: Obj) => v.configMap);
  assert.equal(cmVol.configMap.name, w.configMapName);
  const all = [...(spec.initContainers ?? []), ...spec.containers];
  for (const name of containerNames) {
    const c = all.find((x: Obj) => x.name === name);
    assert.ok(c, `container ${name}`);
    const tokenMount = c.volumeMounts.find((m: Obj) => m.name === tokenVol.name);
    const cmMount = c.volumeMounts.find((m: Obj) => m.name === cmVol.name);
    assert.equal(`${tokenMount.mountPath}/${src.path}`, credConfig.credential_source.file, `${name}: token path = cred-config credential_source.file`);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    assert.equal(env.GOOGLE_APPLICATION_CREDENTIALS, `${cmMount.mountPath}/credential-configuration.json`);
    assert.equal(env.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, env.GOOGLE_APPLICATION_CREDENTIALS);
    assert.ok(tokenMount.readOnly && cmMount.readOnly);
  }
}

test('all: ConfigMap, KSA and pod agree on audience, token path, names and namespace', () => {
  for (const w of [base, { ...base, allowedAudiences: ['sts.example/aud'], tokenPath: '/var/run/secrets/gcp/jwt', tokenExpiration: 7200, serviceAccount: 'app@p.iam.gserviceaccount.com' }]) {
    const r = renderAllKind(w);
    assert.deepEqual(r.files.map((f) => f.name), ['credential-configuration.json', 'configmap.yaml', 'serviceaccount.yaml', 'pod.yaml']);
    const [cm, sa, pod] = docs(r.stdout);
    assert.deepEqual([cm.kind, sa.kind, pod.kind], ['ConfigMap', 'ServiceAccount', 'Pod']);
    const credText = cm.data['credential-configuration.json'];
    assert.equal(credText, r.files[0].content, 'the ConfigMap carries the cred-config bytes');
    const cred = JSON.parse(credText);
    assert.equal(cred.audience, providerAudience(provider));
    assert.equal(sa.metadata.name, w.ksa);
    for (const d of [cm, sa, pod]) assert.equal(d.metadata.namespace, 'backend');
    assertWired(pod.spec, w, ['workload'], cred);
    assert.equal(pod.spec.containers[0].image, 'google/cloud-sdk:slim');
    assert.deepEqual(pod.spec.containers[0].command, ['sleep', 'infinity']);
    for (const f of r.files.slice(1)) assert.deepEqual(parse(f.content), docs(r.stdout)[r.files.indexOf(f) - 1]);
  }
});

test('kubectl decodes every rendered manifest (offline, --local)', { skip: kubectlSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wif-manifests-'));
  try {
    const files = renderAllKind({ ...base, serviceAccount: 'workload-sa@my-proj.iam.gserviceaccount.com' }).files.filter((f) => f.name.endsWith('.yaml'));
    for (const f of files) writeFileSync(join(dir, f.name), f.content);
    const r = spawnSync('kubectl', ['label', '--local', '-o', 'name', 'checked=yes', ...files.flatMap((f) => ['-f', join(dir, f.name)])], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['configmap/gcp-cred-config', 'serviceaccount/api', 'pod/wif-verify']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the projected token uses the https provider audience by default, the first allowed audience otherwise', () => {
  const pod = renderPod(base);
  const aud = (p: Obj) => p.spec.volumes[0].projected.sources[0].serviceAccountToken.audience;
  assert.equal(aud(pod), `https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/k8s-pool/providers/k8s-prod`);
  assert.equal(aud(renderPod({ ...base, allowedAudiences: ['a1', 'a2'] })), 'a1');
  const cm = renderConfigMap({ ...base, namespace: undefined });
  assert.ok(!('namespace' in (cm.metadata as Obj)), 'no namespace key when none is known');
});

test('validateWorkload: token path shape, mount collision, expiration minimum', () => {
  const rules = (w: Partial<WorkloadInput>) => validateWorkload({ ...base, ...w }).map((p) => p.rule);
  assert.deepEqual(rules({}), []);
  assert.deepEqual(rules({ tokenPath: 'token' }), ['token-path.absolute']);
  assert.deepEqual(rules({ tokenPath: '/token' }), ['token-path.shape']);
  assert.deepEqual(rules({ tokenPath: '/var/run/sa/' }), ['token-path.shape']);
  assert.deepEqual(rules({ tokenPath: '/etc/gcp/token' }), ['token-path.mount-collision']);
  assert.deepEqual(rules({ tokenExpiration: 599 }), ['token-expiration.min']);
});

/** A workload manifest of `kind` with an init container and two containers, one already holding env and a volume. */
function workload(kind: WorkloadKind, name = 'web'): Obj {
  const podSpec = {
    initContainers: [{ name: 'migrate', image: 'busybox' }],
    containers: [{ name: 'app', image: 'nginx', env: [{ name: 'KEEP', value: '1' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }, { name: 'sidecar', image: 'busybox' }],
    volumes: [{ name: 'data', emptyDir: {} }],
    ...(kind === 'Job' || kind === 'CronJob' ? { restartPolicy: 'Never' } : {}),
  };
  const template = { metadata: { labels: { app: name } }, spec: podSpec };
  const apiVersion = kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
  const spec = kind === 'CronJob' ? { schedule: '* * * * *', jobTemplate: { spec: { template } } }
    : kind === 'Job' ? { template } : { selector: { matchLabels: { app: name } }, template };
  return { apiVersion, kind, metadata: { name, namespace: 'backend' }, spec };
}

function dig(o: Obj, path: string[]): Obj {
  return path.reduce((cur, k) => cur[k], o);
}

test('patch, applied by kubectl (strategic merge, --local), wires every container of every workload kind', { skip: kubectlSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wif-patch-'));
  try {
    for (const kind of WORKLOAD_KINDS) {
      const manifest = stringify(workload(kind));
      const target = { kind, ...workloadFromManifest(manifest, 'w.yaml', kind) };
      assert.deepEqual([target.initContainers, target.containers], [['migrate'], ['app', 'sidecar']]);
      writeFileSync(join(dir, 'w.yaml'), manifest);
      writeFileSync(join(dir, 'patch.yaml'), renderPatchKind(base, target).files[0].content);
      const r = spawnSync('kubectl', ['patch', '--local', '-f', join(dir, 'w.yaml'), '--patch-file', join(dir, 'patch.yaml'), '-o', 'json'], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: '/dev/null' } });
      assert.equal(r.status, 0, `${kind}: ${r.stderr}`);
      const spec = dig(JSON.parse(r.stdout), podSpecPath(kind));
      const cred = JSON.parse(renderAllKind(base).files[0].content);
      assertWired(spec, base, ['migrate', 'app', 'sidecar'], cred);
      const app = spec.containers.find((c: Obj) => c.name === 'app');
      assert.ok(app.env.some((e: Obj) => e.name === 'KEEP'), `${kind}: existing env kept`);
      assert.ok(app.volumeMounts.some((m: Obj) => m.name === 'data'), `${kind}: existing mount kept`);
      assert.deepEqual(spec.volumes.map((v: Obj) => v.name).sort(), ['data', 'gcp-credential-configuration', 'gcp-ksa-token']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kustomize snippet: kubectl kustomize applies the patch to the named target only', { skip: kubectlSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wif-kustomize-'));
  try {
    const target = { kind: 'Deployment' as const, name: 'web', namespace: 'backend', containers: ['app', 'sidecar'] };
    const r = renderPatchKind(base, target);
    writeFileSync(join(dir, 'patch.yaml'), r.files[0].content);
    const kustomization = { ...parse(r.files[1].content), resources: ['w.yaml'] };
    writeFileSync(join(dir, 'kustomization.yaml'), stringify(kustomization));
    writeFileSync(join(dir, 'w.yaml'), `${stringify(workload('Deployment'))}---\n${stringify(workload('Deployment', 'other'))}`);
    const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const [other, web] = docs(out.stdout).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    assertWired(web.spec.template.spec, base, ['app', 'sidecar'], JSON.parse(renderAllKind(base).files[0].content));
    assert.equal(other.spec.template.spec.serviceAccountName, undefined, 'the other Deployment is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('patch: CronJob nests under jobTemplate; kustomize target names group/version/kind/name/namespace; stdout carries the snippet', () => {
  const t = { kind: 'CronJob' as const, name: 'nightly', namespace: 'backend', containers: ['job'] };
  const p = renderPatch(base, t) as Obj;
  assert.equal(p.apiVersion, 'batch/v1');
  assert.equal(p.spec.jobTemplate.spec.template.spec.containers[0].name, 'job');
  assert.deepEqual((renderKustomizationPatch(t) as Obj).patches[0], { path: 'patch.yaml', target: { group: 'batch', version: 'v1', kind: 'CronJob', name: 'nightly', namespace: 'backend' } });
  const r = renderPatchKind(base, t);
  assert.match(r.stdout, /^# Apply: kubectl patch cronjob nightly -n backend --patch-file patch.yaml$/m);
  assert.match(r.stdout, /^# +- path: patch.yaml\n# +target:\n# +group: batch$/m);
  assert.deepEqual(docs(r.stdout), [p]);
  assert.match(renderPatchKind(base, { ...t, kind: 'Job' }).notes.join(' '), /immutable/);
});

test('workloadFromManifest: finds by kind/name in multi-doc and List files, names what it saw otherwise', () => {
  const text = `${stringify(workload('Deployment', 'a'))}---\n${stringify({ kind: 'List', items: [workload('Deployment', 'b'), workload('StatefulSet', 'c')] })}`;
  assert.deepEqual(workloadFromManifest(text, 'f', 'Deployment', 'b').containers, ['app', 'sidecar']);
  assert.equal(workloadFromManifest(text, 'f', 'StatefulSet').name, 'c');
  assert.throws(() => workloadFromManifest(text, 'f', 'Deployment'), /2 objects match Deployment/);
  assert.throws(() => workloadFromManifest(text, 'f', 'DaemonSet'), /no DaemonSet in the file \(it has: Deployment backend\/a, Deployment backend\/b, StatefulSet backend\/c\)/);
  assert.throws(() => workloadFromManifest(text, 'f', 'Deployment', 'a', 'other'), /no Deployment a \(namespace other\)/);
  assert.throws(() => workloadFromManifest('a: [', 'f', 'Deployment'), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /--from f: not valid YAML/.test(e.message));
});

test('credential provider: cacheType only from 1.34, feature gate note for 1.33, RBAC for the token audience', () => {
  const i = { provider, allowedAudiences: [], registries: ['us-docker.pkg.dev', 'europe-docker.pkg.dev'], serviceAccountNames: ['puller'] };
  const c33 = renderCredentialProviderConfig({ ...i, minor: 33 }) as Obj;
  const c34 = renderCredentialProviderConfig({ ...i, minor: 34 }) as Obj;
  assert.equal(c33.apiVersion, 'kubelet.config.k8s.io/v1');
  assert.equal(c33.kind, 'CredentialProviderConfig');
  const p33 = c33.providers[0];
  const p34 = c34.providers[0];
  assert.deepEqual(p33.matchImages, i.registries);
  assert.equal(p33.apiVersion, 'credentialprovider.kubelet.k8s.io/v1');
  assert.equal(p33.tokenAttributes.serviceAccountTokenAudience, tokenAudience(provider));
  assert.equal(p33.tokenAttributes.requireServiceAccount, true);
  assert.ok(!('cacheType' in p33.tokenAttributes));
  assert.equal(p34.tokenAttributes.cacheType, 'Token');
  assert.deepEqual(p33.env, [{ name: 'GCP_AUDIENCE', value: providerAudience(provider) }]);
  const [role, binding] = renderCredentialProviderRbac({ ...i, minor: 34 }) as Obj[];
  assert.deepEqual(role.rules[0], { verbs: ['request-serviceaccounts-token-audience'], apiGroups: [''], resources: [tokenAudience(provider)], resourceNames: ['puller'] });
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }]);
  assert.ok(!('resourceNames' in (renderCredentialProviderRbac({ ...i, serviceAccountNames: [], minor: 34 })[0] as Obj).rules[0]));
  const k33 = renderCredentialProviderKind({ ...i, minor: 33 });
  assert.match(k33.files[0].content, /KubeletServiceAccountTokenForCredentialProviders=true/);
  assert.doesNotMatch(renderCredentialProviderKind({ ...i, minor: 34 }).files[0].content, /feature-gates/);
  assert.deepEqual(docs(k33.stdout).map((d) => d.kind), ['CredentialProviderConfig', 'ClusterRole', 'ClusterRoleBinding']);
});

test('credential provider input: versions and registries', () => {
  assert.deepEqual(['1.33', 'v1.34.2', '1.33.1-eks-abc', 'v1.34.0+k3s1', '2.0', 'x'].map(parseKubernetesMinor), [33, 34, 33, 34, undefined, undefined]);
  const rules = (v: string | undefined, r: string[]) => validateCredentialProvider(v, r).map((p) => p.rule);
  assert.deepEqual(rules('1.32', ['us-docker.pkg.dev']), ['kubernetes-version.min']);
  assert.deepEqual(rules(undefined, []), ['kubernetes-version.required', 'registry.required']);
  assert.deepEqual(rules('1.34', ['bad host!']), ['registry.format']);
  assert.deepEqual(rules('1.35', ['*.pkg.dev', 'us-docker.pkg.dev/proj/repo']), []);
});
