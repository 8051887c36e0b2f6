import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { Kubectl } from '../src/cloud/kube/kubectl.js';
import { startJourney, stage, type Journey } from './e2e-helpers.js';

/**
 * `wif render patch` proved with the real kubectl against the sandbox (issue 7): a Deployment with two
 * containers, patched with `kubectl patch --type strategic --patch-file` (server-side strategic merge) and
 * through kustomize (`kubectl kustomize`, kubectl's embedded kustomize merging client-side), gets the token
 * volume mount and both env vars in every container, the projected token volume with the provider audience,
 * the ConfigMap volume and the service account — and a pod made from the patched template authenticates
 * with the real gcloud in each container.
 */
let j: Journey;
let dir: string;
let k: Kubectl;
let audience: string;

const deployment = (name: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'demo' },
  spec: {
    replicas: 1, selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: 'app', image: 'google/cloud-sdk:slim', command: ['sleep', 'infinity'], env: [{ name: 'FOO', value: 'bar' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          { name: 'sidecar', image: 'google/cloud-sdk:slim', command: ['sleep', 'infinity'] },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await k.run(args, input);
  assert.equal(r.exitCode, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  j = await startJourney();
  dir = j.workdir();
  const r = await j.wif(['init', '--yes', '--context', 'self-hosted', '--ksa', 'demo/app', '--role', 'roles/storage.objectViewer', '--no-verify', '--output', 'json'], dir);
  assert.equal(r.code, 0, r.stderr);
  const cfg = parse(readFileSync(join(dir, 'wif.yaml'), 'utf8'));
  // SPEC §2: the projected token's audience is the provider's (the https://iam.googleapis.com/… default form).
  audience = `https://iam.googleapis.com/projects/${cfg.project.number}/locations/global/workloadIdentityPools/${cfg.pool.id}/providers/${cfg.provider.id}`;
  k = new Kubectl({ context: 'self-hosted', env: j.env, cwd: dir });
  const ns = await k.run(['create', 'namespace', 'demo']);
  assert.ok(ns.exitCode === 0 || /AlreadyExists/.test(ns.stderr), ns.stderr);
  await kubectl(['apply', '-f', join(dir, 'wif-out', 'serviceaccount.yaml'), '-f', join(dir, 'wif-out', 'configmap.yaml')]);
});
after(async () => j?.stop());

type Obj = Record<string, any>;

/** Every container has both mounts and both env vars (and keeps its own); the pod spec has both volumes and the KSA. */
function assertPatched(d: Obj): void {
  const spec = d.spec.template.spec;
  assert.equal(spec.serviceAccountName, 'app');
  const token = spec.volumes.find((v: Obj) => v.projected);
  assert.ok(token, 'a projected volume');
  const sat = token.projected.sources[0].serviceAccountToken;
  assert.deepEqual([sat.audience, sat.path, sat.expirationSeconds], [audience, 'token', 3600]);
  const cm = spec.volumes.find((v: Obj) => v.configMap);
  assert.equal(cm?.configMap.name, 'gcp-cred-config');
  assert.ok(spec.volumes.some((v: Obj) => v.name === 'data' && v.emptyDir), 'the workload\'s own volume is kept');
  assert.equal(spec.volumes.length, 3, 'no duplicate volumes');
  assert.deepEqual(spec.containers.map((c: Obj) => c.name), ['app', 'sidecar']);
  for (const c of spec.containers) {
    const mounts = Object.fromEntries(c.volumeMounts.map((m: Obj) => [m.mountPath, m.name]));
    assert.equal(mounts['/var/run/service-account'], token.name, `${c.name}: token mount`);
    assert.equal(mounts['/etc/gcp'], cm.name, `${c.name}: cred-config mount`);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
    assert.equal(env.GOOGLE_APPLICATION_CREDENTIALS, '/etc/gcp/credential-configuration.json', c.name);
    assert.equal(env.CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE, '/etc/gcp/credential-configuration.json', c.name);
    assert.equal(new Set(c.env.map((e: Obj) => e.name)).size, c.env.length, `${c.name}: no duplicate env`);
  }
  const app = spec.containers[0];
  assert.ok(app.env.some((e: Obj) => e.name === 'FOO') && app.volumeMounts.some((m: Obj) => m.mountPath === '/data'), 'the container\'s own env and mounts are kept');
}

async function getDeployment(name: string): Promise<Obj> {
  return JSON.parse(await kubectl(['get', 'deployment', name, '-n', 'demo', '-o', 'json']));
}

test('kubectl patch --type strategic --patch-file: every container gets the token, the cred-config and the env; a re-patch changes nothing', async () => {
  writeFileSync(join(dir, 'web.yaml'), stringify(deployment('web')));
  await kubectl(['apply', '-f', join(dir, 'web.yaml')]);
  const out = join(dir, 'patch-web');
  const r = await j.wif(['render', 'patch', '--kind', 'Deployment', '--name', 'web', '--container', 'app', '--container', 'sidecar', '--out', out], dir);
  assert.equal(r.code, 0, r.stderr);
  const patch = join(out, 'patch.yaml');
  assert.equal(parse(readFileSync(patch, 'utf8')).metadata.namespace, 'demo');
  await kubectl(['patch', 'deployment', 'web', '-n', 'demo', '--type', 'strategic', '--patch-file', patch]);
  const once = await getDeployment('web');
  assertPatched(once);
  await kubectl(['patch', 'deployment', 'web', '-n', 'demo', '--type', 'strategic', '--patch-file', patch]);
  assert.deepEqual((await getDeployment('web')).spec.template, once.spec.template, 'patching twice is the same as once');
});

test('a pod made from the patched template authenticates with the real gcloud in EVERY container', async () => {
  const tpl = (await getDeployment('web')).spec.template;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'demo', labels: tpl.metadata.labels }, spec: tpl.spec };
  await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
  await kubectl(['wait', '--for=condition=Ready', 'pod/web-0', '-n', 'demo', '--timeout=60s']);
  for (const c of ['app', 'sidecar']) {
    const r = await k.exec('web-0', 'demo', ['gcloud', 'auth', 'print-access-token'], { container: c });
    assert.equal(r.exitCode, 0, `${c}: ${r.stderr}`);
    assert.ok(/^ya29\./.test(r.stdout.trim()), `${c}: gcloud printed an access token`);
  }
  const v = await j.wif(['verify', '--pod', 'web-0', '--output', 'json'], dir);
  assert.equal(v.code, 0, JSON.stringify(v.json?.result?.stages ?? v.stderr, null, 2));
  assert.equal(stage(v.json.result, 'pod').status, 'passed');
});

test('kustomize: the rendered patches entry applies the patch (kubectl kustomize merges client-side; apply -k)', async () => {
  const kdir = join(dir, 'kustomize');
  const r = await j.wif(['render', 'patch', '--kind', 'Deployment', '--name', 'api', '--container', 'app', '--container', 'sidecar', '--out', kdir], dir);
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(join(kdir, 'deployment.yaml'), stringify(deployment('api')));
  const entry = parse(readFileSync(join(kdir, 'kustomization-patch.yaml'), 'utf8'));
  writeFileSync(join(kdir, 'kustomization.yaml'), stringify({ ...entry, resources: ['deployment.yaml'] }));
  const built = parseAllDocuments(await kubectl(['kustomize', kdir])).map((d) => d.toJS());
  assert.equal(built.length, 1);
  assertPatched(built[0]);
  await kubectl(['apply', '-k', kdir]);
  assertPatched(await getDeployment('api'));
});
