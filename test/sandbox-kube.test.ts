/**
 * The simulated kube-apiserver driven by the REAL kubectl (gcloud's dispatcher → kubectl 1.32): OIDC discovery and
 * JWKS, TokenRequest over protobuf, create/apply/patch/get/delete, Status errors as kubectl prints them, RBAC for
 * anonymous and service-account callers, key rotation and reset. One cluster for the whole file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { request } from 'node:https';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startKube, type KubeHarness } from './sandbox-kube-harness.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
let h: KubeHarness;

function raw(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${h.url}${path}`, { method, headers, ca: h.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
const admin = () => ({ authorization: `Bearer ${h.adminToken}` });

async function ok(args: string[], input?: string): Promise<string> {
  const r = await h.kubectl(args, { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function fails(args: string[]): Promise<string> {
  const r = await h.kubectl(args);
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail`);
  return r.stderr.trim();
}

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata: {name: wif-demo}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: wif-demo, labels: {app.kubernetes.io/managed-by: wif}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: gcp-cred-config, namespace: wif-demo}
data:
  credential-configuration.json: '{"type":"external_account"}'
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: wif-demo}
spec:
  serviceAccountName: app
  containers:
  - name: workload
    image: google/cloud-sdk:slim
    command: [sleep, infinity]
    volumeMounts: [{name: gcp-ksa, mountPath: /var/run/service-account, readOnly: true}]
  volumes:
  - name: gcp-ksa
    projected:
      sources: [{serviceAccountToken: {path: token, audience: //iam.googleapis.com/x, expirationSeconds: 3600}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: wif-demo}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: app
      containers:
      - {name: web, image: 'nginx:1.27', env: [{name: A, value: '1'}], volumeMounts: [{name: data, mountPath: /data}]}
      - {name: sidecar, image: 'busybox:1.36'}
      volumes: [{name: data, emptyDir: {}}]
`;

before(async () => {
  h = await startKube();
});
after(async () => {
  await h?.close();
});

describe('OIDC discovery and JWKS', () => {
  test('kubectl get --raw prints the exact 5-field discovery document', async () => {
    const doc = JSON.parse(await ok(['get', '--raw', '/.well-known/openid-configuration']));
    assert.deepEqual(Object.keys(doc), ['issuer', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported']);
    assert.deepEqual(doc, {
      issuer: ISSUER, jwks_uri: `${h.url}/openid/v1/jwks`, response_types_supported: ['id_token'],
      subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
    });
    assert.deepEqual(h.cluster.issuerDocuments().configuration, doc);
  });

  test('the JWKS kid is base64url(SHA-256(SPKI DER)), go-jose key order, served as application/jwk-set+json', async () => {
    const jwks = JSON.parse(await ok(['get', '--raw', '/openid/v1/jwks']));
    assert.equal(jwks.keys.length, 1);
    const [k] = jwks.keys;
    assert.deepEqual(Object.keys(k), ['use', 'kty', 'kid', 'alg', 'n', 'e']);
    const der = createPublicKey({ key: { kty: k.kty, n: k.n, e: k.e }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
    assert.equal(k.kid, createHash('sha256').update(der).digest('base64url'));
    assert.deepEqual(h.cluster.issuerDocuments().jwks, jwks);
    const r = await raw('/openid/v1/jwks', admin());
    assert.equal(r.headers['content-type'], 'application/jwk-set+json');
    assert.equal(r.headers['cache-control'], 'public, max-age=3600');
  });

  test('anonymous callers are forbidden until system:unauthenticated is bound to the discovery role', async () => {
    const denied = await raw('/openid/v1/jwks');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.message, 'forbidden: User "system:anonymous" cannot get path "/openid/v1/jwks"');
    assert.equal((await raw('/version')).status, 200, '/version is public (system:public-info-viewer)');
    await ok(['create', 'clusterrolebinding', 'oidc-reviewer', '--clusterrole=system:service-account-issuer-discovery', '--group=system:unauthenticated']);
    assert.equal((await raw('/openid/v1/jwks')).status, 200);
    assert.equal((await raw('/.well-known/openid-configuration')).status, 200);
    await ok(['delete', 'clusterrolebinding', 'oidc-reviewer']);
    assert.equal((await raw('/openid/v1/jwks')).status, 403);
  });

  test('a wrong bearer token is 401 Unauthorized as kubectl reports it', async () => {
    const r = await raw('/api/v1/namespaces', { authorization: 'Bearer nope' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const stderr = await fails(['get', 'ns', '--token', 'nope']);
    assert.match(stderr, /You must be logged in to the server \(Unauthorized\)/);
  });
});

describe('TokenRequest', () => {
  test('kubectl create token (protobuf body) returns a JWT with the real claim shape', async () => {
    const token = (await ok(['create', 'token', 'default', '-n', 'default'])).trim();
    const post = h.requests.filter((r) => r.url.startsWith('/api/v1/namespaces/default/serviceaccounts/default/token')).at(-1);
    assert.equal(post?.contentType, 'application/vnd.kubernetes.protobuf');
    assert.equal(post?.status, 201);
    assert.deepEqual(Object.keys(decodeProtectedHeader(token)), ['alg', 'kid']);
    const { payload } = await jwtVerify(token, createLocalJWKSet(h.cluster.issuerDocuments().jwks as never), { issuer: ISSUER, audience: ISSUER });
    assert.deepEqual(Object.keys(payload), ['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    assert.deepEqual(payload.aud, [ISSUER]);
    assert.equal(payload.sub, 'system:serviceaccount:default:default');
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.equal(payload.nbf, payload.iat);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    const sa = JSON.parse(await ok(['get', 'sa', 'default', '-n', 'default', '-o', 'json']));
    assert.deepEqual(payload['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'default', uid: sa.metadata.uid } });
  });

  test('--audience and --duration are honoured; -o json is the TokenRequest', async () => {
    const tr = JSON.parse(await ok(['create', 'token', 'default', '--audience', 'a1', '--audience', 'a2', '--duration', '2h', '-o', 'json']));
    assert.equal(tr.kind, 'TokenRequest');
    assert.deepEqual(tr.spec.audiences, ['a1', 'a2']);
    assert.equal(tr.spec.expirationSeconds, 7200);
    const { payload } = await jwtVerify(tr.status.token, createLocalJWKSet(h.cluster.issuerDocuments().jwks as never), { audience: 'a2' });
    assert.equal(payload.exp! - payload.iat!, 7200);
    assert.equal(tr.status.expirationTimestamp, new Date(payload.exp! * 1000).toISOString().replace('.000Z', 'Z'));
  });

  test('errors read exactly as on a real cluster', async () => {
    assert.equal(await fails(['create', 'token', 'default', '--duration', '5m']),
      'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    assert.equal(await fails(['create', 'token', 'nosuch']), 'error: failed to create token: serviceaccounts "nosuch" not found');
    assert.equal(await fails(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'ghost']), 'error: failed to create token: pods "ghost" not found');
  });
});

describe('objects', () => {
  test('create sa / configmap (protobuf), get -o json, AlreadyExists, Invalid, NotFound', async () => {
    assert.equal((await ok(['create', 'sa', 'app1'])).trim(), 'serviceaccount/app1 created');
    assert.equal((await ok(['create', 'configmap', 'cm1', '--from-literal=k=v'])).trim(), 'configmap/cm1 created');
    assert.ok(h.requests.some((r) => r.url.startsWith('/api/v1/namespaces/default/configmaps?') && r.contentType === 'application/vnd.kubernetes.protobuf'));
    const sa = JSON.parse(await ok(['get', 'sa', 'app1', '-o', 'json']));
    assert.deepEqual(Object.keys(sa), ['apiVersion', 'kind', 'metadata']);
    assert.deepEqual(Object.keys(sa.metadata), ['creationTimestamp', 'name', 'namespace', 'resourceVersion', 'uid']);
    assert.equal(JSON.parse(await ok(['get', 'cm', 'cm1', '-o', 'json'])).data.k, 'v');
    assert.equal(await fails(['create', 'sa', 'app1']), 'error: failed to create serviceaccount: serviceaccounts "app1" already exists');
    assert.match(await fails(['create', 'configmap', 'Bad_Name']), /^error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    assert.equal(await fails(['get', 'sa', 'nosuch']), 'Error from server (NotFound): serviceaccounts "nosuch" not found');
    assert.equal(await fails(['get', 'deploy', 'nosuch']), 'Error from server (NotFound): deployments.apps "nosuch" not found');
    assert.equal(await fails(['create', 'sa', 'x', '-n', 'nope']), 'error: failed to create serviceaccount: namespaces "nope" not found');
  });

  test('a new namespace gets its default service account and kube-root-ca.crt', async () => {
    await ok(['create', 'namespace', 'fresh']);
    assert.equal((await ok(['get', 'sa', '-n', 'fresh', '-o', 'jsonpath={.items[*].metadata.name}'])).trim(), 'default');
    const cm = JSON.parse(await ok(['get', 'cm', 'kube-root-ca.crt', '-n', 'fresh', '-o', 'json']));
    assert.equal(cm.data['ca.crt'], h.caPem);
    const ns = JSON.parse(await ok(['get', 'ns', 'fresh', '-o', 'json']));
    assert.equal(ns.status.phase, 'Active');
    assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'fresh');
    assert.equal((await ok(['delete', 'ns', 'fresh'])).trim(), 'namespace "fresh" deleted');
    // kubectl follows a NotFound with a GET of the namespace and reports that instead.
    assert.equal(await fails(['get', 'sa', 'default', '-n', 'fresh']), 'Error from server (NotFound): namespaces "fresh" not found');
    assert.equal((await raw('/api/v1/namespaces/fresh/serviceaccounts/default', admin())).json.message, 'serviceaccounts "default" not found');
  });

  test('apply -f creates, then leaves unchanged (the pod reports configured, as against a real cluster)', async () => {
    const file = h.file('manifest.yaml', MANIFEST);
    assert.deepEqual((await ok(['apply', '-f', file])).trim().split('\n'), [
      'namespace/wif-demo created', 'serviceaccount/app created', 'configmap/gcp-cred-config created', 'pod/probe created', 'deployment.apps/web created',
    ]);
    assert.ok(h.requests.some((r) => r.url.startsWith('/openapi/v3/api/v1?hash=')), 'apply read the OpenAPI v3 document');
    const before2 = JSON.parse(await ok(['get', 'pod', 'probe', '-n', 'wif-demo', '-o', 'json']));
    // The ServiceAccount admission plugin injected kube-api-access-*, so the live volume lists are longer than the
    // manifest's and kubectl sends a $setElementOrder-only patch for the pod: "configured", nothing changes.
    assert.deepEqual((await ok(['apply', '-f', file])).trim().split('\n'), [
      'namespace/wif-demo unchanged', 'serviceaccount/app unchanged', 'configmap/gcp-cred-config unchanged', 'pod/probe configured', 'deployment.apps/web unchanged',
    ]);
    const after2 = JSON.parse(await ok(['get', 'pod', 'probe', '-n', 'wif-demo', '-o', 'json']));
    assert.equal(after2.metadata.resourceVersion, before2.metadata.resourceVersion, 'a no-op patch is not a write');
    assert.equal(after2.status.phase, 'Running');
    assert.equal(after2.spec.nodeName, 'self-hosted-worker');
    assert.ok(after2.spec.volumes.some((v: any) => /^kube-api-access-[a-z0-9]{5}$/.test(v.name)));
  });

  test('patch --type strategic merges containers, env and volumes by their patch merge keys', async () => {
    const patch = { spec: { template: { spec: {
      containers: [{ name: 'web', env: [{ name: 'B', value: '2' }], volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
      volumes: [{ name: 'cfg', configMap: { name: 'gcp-cred-config' } }],
    } } } };
    assert.equal((await ok(['patch', 'deployment', 'web', '-n', 'wif-demo', '--type', 'strategic', '-p', JSON.stringify(patch)])).trim(), 'deployment.apps/web patched');
    const d = JSON.parse(await ok(['get', 'deploy', 'web', '-n', 'wif-demo', '-o', 'json']));
    const spec = d.spec.template.spec;
    assert.deepEqual(spec.containers.map((c: any) => c.name), ['web', 'sidecar']);
    assert.deepEqual(spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    assert.deepEqual(spec.containers[0].volumeMounts.map((m: any) => m.mountPath), ['/data', '/cfg']);
    assert.deepEqual(spec.volumes.map((v: any) => v.name), ['data', 'cfg']);
    assert.equal(d.metadata.generation, 2);
    assert.equal(d.spec.replicas, 1, 'defaulted');
  });

  test('patch --type merge and --type json', async () => {
    await ok(['patch', 'cm', 'gcp-cred-config', '-n', 'wif-demo', '--type', 'merge', '-p', '{"data":{"extra":"1"}}']);
    await ok(['patch', 'cm', 'gcp-cred-config', '-n', 'wif-demo', '--type', 'json', '-p', '[{"op":"replace","path":"/data/extra","value":"2"},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]']);
    const cm = JSON.parse(await ok(['get', 'cm', 'gcp-cred-config', '-n', 'wif-demo', '-o', 'json']));
    assert.equal(cm.data.extra, '2');
    assert.deepEqual(cm.metadata.labels, { x: 'y' });
    assert.match(await fails(['patch', 'cm', 'gcp-cred-config', '-n', 'wif-demo', '--type', 'json', '-p', '[{"op":"replace","path":"/data/none","value":"2"}]']), /replace operation does not apply/);
  });

  test('a pod whose service account does not exist is refused by admission', async () => {
    const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'wif-demo' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } });
    const stderr = await fails(['create', '-f', h.file('orphan.json', pod)]);
    assert.match(stderr, /pods "orphan" is forbidden: error looking up service account wif-demo\/ghost: serviceaccount "ghost" not found/);
  });

  test('kubectl auth can-i answers from RBAC (protobuf SelfSubjectAccessReview)', async () => {
    assert.equal((await ok(['auth', 'can-i', 'create', 'serviceaccounts', '--subresource=token', '-n', 'wif-demo'])).trim(), 'yes');
    const token = (await ok(['create', 'token', 'app', '-n', 'wif-demo'])).trim();
    const r = await h.kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'wif-demo', '--token', token]);
    assert.equal(r.stdout.trim(), 'no');
    const who = JSON.parse(await ok(['auth', 'whoami', '--token', token, '-o', 'json']));
    assert.equal(who.status.userInfo.username, 'system:serviceaccount:wif-demo:app');
  });

  test('a service-account token reads the OIDC documents (system:serviceaccounts) but not pods', async () => {
    const token = (await ok(['create', 'token', 'app', '-n', 'wif-demo'])).trim();
    await ok(['get', '--raw', '/openid/v1/jwks', '--token', token]);
    assert.equal(await fails(['get', 'pods', '-n', 'wif-demo', '--token', token]),
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:wif-demo:app" cannot list resource "pods" in API group "" in the namespace "wif-demo"');
    const foreign = (await ok(['create', 'token', 'app', '-n', 'wif-demo', '--audience', 'https://elsewhere'])).trim();
    assert.match(await fails(['get', '--raw', '/openid/v1/jwks', '--token', foreign]), /Unauthorized/);
  });
});

/** Every leaf kubectl set (its --dry-run=client JSON) must arrive in the stored object: the protobuf decoder's oracle. */
function assertSubset(want: unknown, got: unknown, path = ''): void {
  if (want === null || (typeof want === 'object' && !Array.isArray(want) && !Object.keys(want as object).length)) return;
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${path} should be an array`);
    want.forEach((w, i) => assertSubset(w, (got as unknown[])[i], `${path}[${i}]`));
  } else if (typeof want === 'object') {
    for (const [k, v] of Object.entries(want as object)) assertSubset(v, (got as any)?.[k], `${path}.${k}`);
  } else assert.equal(got, want, path);
}

describe('protobuf bodies of kubectl create (checked against kubectl --dry-run=client -o json)', { concurrency: true }, () => {
  const cases: [string, string[]][] = [
    ['deployment/pd', ['create', 'deployment', 'pd', '--image=nginx:1.27', '--replicas=2', '--port=8080', '--', 'nginx', '-g', 'daemon off;']],
    ['job/pj', ['create', 'job', 'pj', '--image=busybox:1.36', '--', 'echo', 'hi']],
    ['cronjob/pc', ['create', 'cronjob', 'pc', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'date']],
    ['secret/ps', ['create', 'secret', 'generic', 'ps', '--from-literal=user=admin', '--type=Opaque']],
    ['configmap/pcm', ['create', 'configmap', 'pcm', '--from-literal=a=1', '--from-literal=b=']],
    ['serviceaccount/psa', ['create', 'serviceaccount', 'psa']],
    ['clusterrole/pcr', ['create', 'clusterrole', 'pcr', '--verb=get,list', '--resource=pods,serviceaccounts/token', '--resource-name=x']],
    ['clusterrolebinding/pcrb', ['create', 'clusterrolebinding', 'pcrb', '--clusterrole=pcr', '--user=alice', '--group=devs', '--serviceaccount=default:default']],
    ['role/pr', ['create', 'role', 'pr', '--verb=get', '--resource=configmaps']],
    ['rolebinding/prb', ['create', 'rolebinding', 'prb', '--role=pr', '--serviceaccount=default:psa']],
    ['namespace/pns', ['create', 'namespace', 'pns']],
  ];
  for (const [obj, args] of cases) {
    test(obj, async () => {
      const at = args.includes('--') ? args.indexOf('--') : args.length;
      const want = JSON.parse(await ok([...args.slice(0, at), '--dry-run=client', '-o', 'json', ...args.slice(at)]));
      await ok(args);
      const plural = `/${obj.split('/')[0]}s?`;
      assert.ok(h.requests.some((r) => r.method === 'POST' && r.url.includes(plural) && r.contentType === 'application/vnd.kubernetes.protobuf'), `protobuf POST …${plural}`);
      const got = JSON.parse(await ok(['get', obj, '-o', 'json']));
      if (want.stringData) want.data = Object.fromEntries(Object.entries(want.stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')]));
      delete want.stringData;
      assertSubset(want, got);
    });
  }
});

describe('what wif itself sends', () => {
  test('apply -f - of a v1 List with -o json (client-side validation reads /openapi/v2)', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'listed', namespace: 'default' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed', namespace: 'default' }, data: { a: '1' } },
    ] };
    const out = JSON.parse(await ok(['apply', '-f', '-', '-o', 'json'], JSON.stringify(list)));
    assert.deepEqual(out.items.map((i: any) => `${i.kind}/${i.metadata.name}`), ['ServiceAccount/listed', 'ConfigMap/listed']);
    assert.ok(h.requests.some((r) => r.url.startsWith('/openapi/v2') && r.status === 200));
    const dry = JSON.parse(await ok(['apply', '-f', '-', '-o', 'json', '--dry-run=server'], JSON.stringify({ ...list, items: [{ ...list.items[1], data: { a: '2' } }] })));
    assert.equal(dry.data.a, '2');
    assert.equal(JSON.parse(await ok(['get', 'cm', 'listed', '-o', 'json'])).data.a, '1', 'server dry run wrote nothing');
  });

  test('apply --server-side creates, updates and drops fields the manager stopped applying', async () => {
    const cm = (data: object) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: 'default' }, data });
    assert.equal((await ok(['apply', '--server-side', '--field-manager=wif', '-f', '-'], cm({ x: '1', y: '2' }))).trim(), 'configmap/ssa serverside-applied');
    await ok(['apply', '--server-side', '--field-manager=wif', '-f', '-'], cm({ x: '1' }));
    await ok(['apply', '--server-side', '--field-manager=other', '-f', '-'], cm({ z: '3' }));
    assert.deepEqual(JSON.parse(await ok(['get', 'cm', 'ssa', '-o', 'json'])).data, { x: '1', z: '3' });
    const patch = h.requests.filter((r) => r.url.startsWith('/api/v1/namespaces/default/configmaps/ssa?')).at(-1);
    assert.equal(patch?.contentType, 'application/apply-patch+yaml');
  });

  test('kubectl get prints the server-side Table columns', async () => {
    const pods = await ok(['get', 'pods', '-n', 'wif-demo']);
    assert.match(pods, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nprobe\s+1\/1\s+Running\s+0\s+\d+s\n$/);
    assert.match(await ok(['get', 'deploy', 'web', '-n', 'wif-demo']), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/1\s+0\s+0\s+/);
    assert.match(await ok(['get', 'cm', 'gcp-cred-config', '-n', 'wif-demo']), /^NAME\s+DATA\s+AGE\ngcp-cred-config\s+2\s+/);
  });
});

describe('discovery', () => {
  test('aggregated v2 only when the Accept header lists it; legacy otherwise', async () => {
    const v2 = await raw('/apis', { ...admin(), accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
    assert.equal(v2.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    assert.deepEqual(v2.json.items.map((i: any) => i.metadata.name), ['apps', 'authentication.k8s.io', 'authorization.k8s.io', 'batch', 'rbac.authorization.k8s.io']);
    const v2beta1 = await raw('/apis', { ...admin(), accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json' });
    assert.equal(v2beta1.json.kind, 'APIGroupList');
    const core = await raw('/api/v1', admin());
    assert.ok(core.json.resources.some((r: any) => r.name === 'serviceaccounts/token' && r.kind === 'TokenRequest' && r.group === 'authentication.k8s.io'));
    const openapiV2 = await raw('/openapi/v2', admin());
    assert.deepEqual([openapiV2.json.swagger, openapiV2.json.definitions], ['2.0', {}]);
  });

  test('the dispatcher runs the kubectl matching /version (minor 32)', async () => {
    const v = JSON.parse(await ok(['version', '-o', 'json']));
    assert.equal(v.serverVersion.gitVersion, 'v1.32.5');
    assert.equal(v.serverVersion.minor, '32');
    assert.ok(h.requests.some((r) => /^kubectl(\.1\.32)?\/v1\.32\./.test(r.userAgent ?? '')));
  });
});

describe('key rotation and reset', () => {
  test('rotation publishes only the new key; old tokens stop authenticating unless the old key is kept', async () => {
    const old = (await ok(['create', 'token', 'default'])).trim();
    const oldKid = decodeProtectedHeader(old).kid;
    h.cluster.rotateKeys(true);
    const both = JSON.parse(await ok(['get', '--raw', '/openid/v1/jwks'])).keys.map((k: any) => k.kid);
    assert.equal(both.length, 2);
    assert.equal(both[0], oldKid);
    assert.equal((await raw('/openid/v1/jwks', { authorization: `Bearer ${old}` })).status, 200, 'old key kept: old token still valid');
    h.cluster.rotateKeys(false);
    const only = JSON.parse(await ok(['get', '--raw', '/openid/v1/jwks'])).keys;
    assert.equal(only.length, 1);
    assert.ok(!both.includes(only[0].kid));
    assert.equal((await raw('/openid/v1/jwks', { authorization: `Bearer ${old}` })).status, 401);
    const fresh = (await ok(['create', 'token', 'default'])).trim();
    assert.equal(decodeProtectedHeader(fresh).kid, only[0].kid);
  });

  test('reset returns to a fresh cluster with the original key', async () => {
    h.cluster.reset();
    assert.equal(await fails(['get', 'ns', 'wif-demo']), 'Error from server (NotFound): namespaces "wif-demo" not found');
    assert.deepEqual((await ok(['get', 'ns', '-o', 'jsonpath={.items[*].metadata.name}'])).trim().split(' '), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    assert.equal(h.cluster.issuerDocuments().jwks.keys.length, 1);
  });
});
