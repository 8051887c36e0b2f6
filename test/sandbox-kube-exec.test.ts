/**
 * `kubectl exec` (WebSocket v5) into a stored pod: the emulated container's files come from the pod's volumes
 * (a projected token minted for the pod, ConfigMap files, the injected kube-api-access volume), its env from the
 * container spec; `gcloud auth print-access-token` runs the REAL gcloud against a stub STS on the same listener.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startKube, type KubeHarness } from './sandbox-kube-harness.js';

const AUD = '//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/pool/providers/k8s';
const CRED = JSON.stringify({
  universe_domain: 'googleapis.com', type: 'external_account', audience: AUD, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  token_url: 'https://sts.googleapis.com/v1/token', credential_source: { file: '/var/run/service-account/token', format: { type: 'text' } },
  token_info_url: 'https://sts.googleapis.com/v1/introspect',
});
const MANIFEST = {
  apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wif-demo' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'wif-demo' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gcp-cred-config', namespace: 'wif-demo' }, data: { 'credential-configuration.json': CRED } },
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'wif-demo' },
      spec: {
        serviceAccountName: 'app',
        containers: [{
          name: 'workload', image: 'google/cloud-sdk:slim', command: ['sleep', 'infinity'],
          env: [
            { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/gcp/credential-configuration.json' },
            { name: 'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE', value: '/etc/gcp/credential-configuration.json' },
            { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          volumeMounts: [{ name: 'gcp-ksa', mountPath: '/var/run/service-account', readOnly: true }, { name: 'gcp-cred', mountPath: '/etc/gcp', readOnly: true }],
        }],
        volumes: [
          { name: 'gcp-ksa', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: AUD, expirationSeconds: 3600 } }] } },
          { name: 'gcp-cred', configMap: { name: 'gcp-cred-config' } },
        ],
      },
    },
  ],
};

let h: KubeHarness;
const sts: { path: string; form: URLSearchParams }[] = [];

function google(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const form = new URLSearchParams(body.toString());
  sts.push({ path: req.url ?? '', form });
  res.writeHead(200, { 'content-type': 'application/json' });
  if (req.url === '/google/v1/token') {
    res.end(JSON.stringify({ access_token: 'ya29.stub-federated', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 }));
  } else {
    res.end(JSON.stringify({ active: true, username: 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/pool/subject/system:serviceaccount:wif-demo:app' }));
  }
}

async function exec(...cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return h.kubectl(['exec', 'probe', '-n', 'wif-demo', '--', ...cmd]);
}

before(async () => {
  h = await startKube({ google });
  const r = await h.kubectl(['apply', '-f', h.file('m.json', JSON.stringify(MANIFEST))]);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await h?.close();
});

test('cat of the projected token: a pod-bound JWT for the volume audience, verifiable with the JWKS', async () => {
  const r = await exec('cat', '/var/run/service-account/token');
  assert.equal(r.code, 0, r.stderr);
  const upgrade = h.requests.find((x) => x.url.includes('/exec?'));
  assert.equal(upgrade, undefined, 'exec arrives as an upgrade, not a plain request');
  const { payload } = await jwtVerify(r.stdout, createLocalJWKSet(h.cluster.issuerDocuments().jwks as never), { audience: AUD, issuer: 'https://kubernetes.default.svc.cluster.local' });
  const pod = JSON.parse((await h.kubectl(['get', 'pod', 'probe', '-n', 'wif-demo', '-o', 'json'])).stdout);
  const k8s = payload['kubernetes.io'] as any;
  assert.deepEqual(Object.keys(k8s), ['namespace', 'node', 'pod', 'serviceaccount']);
  assert.deepEqual(k8s.pod, { name: 'probe', uid: pod.metadata.uid });
  assert.equal(k8s.node.name, pod.spec.nodeName);
  assert.equal(payload.sub, 'system:serviceaccount:wif-demo:app');
  assert.equal(payload.exp! - payload.iat!, 3600);
});

test('the injected kube-api-access volume: ls, namespace file, 1-year token with warnafter', async () => {
  const ls = await exec('ls', '/var/run/secrets/kubernetes.io/serviceaccount');
  assert.deepEqual(ls.stdout.trim().split('\n'), ['ca.crt', 'namespace', 'token']);
  assert.equal((await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace')).stdout, 'wif-demo');
  assert.equal((await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt')).stdout, h.caPem);
  const token = (await exec('cat', '/var/run/secrets/kubernetes.io/serviceaccount/token')).stdout;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  assert.equal(claims.exp - claims.iat, 365 * 24 * 3600);
  assert.equal(claims['kubernetes.io'].warnafter, claims.iat + 3607);
  assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
});

test('env, printenv and sh -c see the container env; ConfigMap files are mounted', async () => {
  const env = (await exec('env')).stdout;
  assert.match(env, /^GOOGLE_APPLICATION_CREDENTIALS=\/etc\/gcp\/credential-configuration\.json$/m);
  assert.match(env, /^MY_POD=probe$/m);
  assert.equal((await exec('printenv', 'HOSTNAME')).stdout, 'probe\n');
  assert.equal((await exec('printenv', 'NOPE')).code, 1);
  const sh = await exec('sh', '-c', 'cat "$GOOGLE_APPLICATION_CREDENTIALS" && echo && echo done');
  assert.equal(sh.stdout, `${CRED}\ndone\n`);
});

test('kubectl exec -i sends stdin (v5 close-stdin frame) and cat echoes it', async () => {
  const r = await h.kubectl(['exec', '-i', 'probe', '-n', 'wif-demo', '--', 'cat'], { input: 'from stdin\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'from stdin\n');
});

test('kubectl wait sees the pod Ready (list + a watch that ends cleanly)', async () => {
  const r = await h.kubectl(['wait', '--for=condition=Ready', 'pod/probe', '-n', 'wif-demo', '--timeout=10s']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'pod/probe condition met');
  assert.equal(r.stderr, '');
});

test('failures: exit codes and messages as kubectl prints them', async () => {
  const cat = await exec('cat', '/nope');
  assert.equal(cat.code, 1);
  assert.equal(cat.stderr, 'cat: /nope: No such file or directory\ncommand terminated with exit code 1\n');
  const sh = await exec('sh', '-c', 'nosuch --flag');
  assert.equal(sh.code, 127);
  assert.equal(sh.stderr, 'sh: 1: nosuch: not found\ncommand terminated with exit code 127\n');
  const direct = await exec('nosuch');
  assert.equal(direct.code, 1);
  assert.match(direct.stderr, /exec: "nosuch": executable file not found in \$PATH/);
  const missing = await h.kubectl(['exec', 'ghost', '-n', 'wif-demo', '--', 'ls']);
  assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "ghost" not found');
});

test('gcloud auth print-access-token runs the real gcloud with the pod\'s token and cred-config', async () => {
  const r = await exec('gcloud', 'auth', 'print-access-token', '--verbosity=error');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ya29.stub-federated');
  const exchange = sts.find((x) => x.path === '/google/v1/token');
  assert.ok(exchange, 'gcloud called the (redirected) STS token_url');
  assert.equal(exchange.form.get('audience'), AUD);
  assert.equal(exchange.form.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:jwt');
  const { payload } = await jwtVerify(String(exchange.form.get('subject_token')), createLocalJWKSet(h.cluster.issuerDocuments().jwks as never), { audience: AUD });
  assert.equal(payload.sub, 'system:serviceaccount:wif-demo:app');
});
