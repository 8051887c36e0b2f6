/**
 * Pure parts of the simulated kube-apiserver: patch semantics, protobuf decoding, Status wording, selectors,
 * discovery negotiation, the emulated shell, durations. No server, no kubectl.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { versionInfo, wantsAggregated } from '../src/sandbox/kube/discovery.js';
import { jsonPatch, mergePatch, PATCH_META, PatchError, strategicMerge } from '../src/sandbox/kube/patch.js';
import { decodeProtobuf } from '../src/sandbox/kube/protobuf.js';
import { RESOURCES } from '../src/sandbox/kube/resources.js';
import { listFilter } from '../src/sandbox/kube/selectors.js';
import { runCommand, tokenize, type Container, type Io } from '../src/sandbox/kube/shell.js';
import { invalid, KubeStatusError } from '../src/sandbox/kube/status.js';
import type { KObj } from '../src/sandbox/kube/store.js';
import { humanDuration } from '../src/sandbox/kube/tables.js';
import { validateName, validateObject } from '../src/sandbox/kube/validate.js';

const def = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

describe('strategic merge patch', () => {
  const pod = {
    metadata: { finalizers: ['a'] },
    spec: {
      containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'v', mountPath: '/v' }] }, { name: 'side', image: 'y' }],
      volumes: [{ name: 'v', emptyDir: {} }],
      tolerations: [{ key: 'k' }],
    },
  };

  test('lists with patch merge keys merge; other lists are replaced; null deletes', () => {
    const out = strategicMerge(pod, {
      metadata: { finalizers: ['b'] },
      spec: {
        containers: [{ name: 'app', env: [{ name: 'B', value: '2' }], volumeMounts: [{ name: 'w', mountPath: '/w' }], image: null }],
        volumes: [{ name: 'w', configMap: { name: 'cm' } }],
        tolerations: [{ key: 'other' }],
      },
    }, PATCH_META.Pod) as any;
    assert.deepEqual(out.metadata.finalizers, ['a', 'b']);
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['app', 'side']);
    assert.equal(out.spec.containers[0].image, undefined);
    assert.deepEqual(out.spec.containers[0].env.map((e: any) => e.name), ['A', 'B']);
    assert.deepEqual(out.spec.containers[0].volumeMounts.map((m: any) => m.mountPath), ['/v', '/w']);
    assert.deepEqual(out.spec.volumes.map((v: any) => v.name), ['v', 'w']);
    assert.deepEqual(out.spec.tolerations, [{ key: 'other' }]);
    assert.deepEqual(pod.spec.containers.length, 2, 'input not mutated');
  });

  test('directives: $patch delete/replace, $setElementOrder, $deleteFromPrimitiveList, $retainKeys', () => {
    const out = strategicMerge(pod, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: {
        '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }],
        containers: [{ name: 'app', env: [{ name: 'A', $patch: 'delete' }] }],
        volumes: [{ name: 'v', emptyDir: null, hostPath: { path: '/h' }, $retainKeys: ['name', 'hostPath'] }],
      },
    }, PATCH_META.Pod) as any;
    assert.deepEqual(out.metadata.finalizers, []);
    assert.deepEqual(out.spec.containers.map((c: any) => c.name), ['side', 'app']);
    assert.deepEqual(out.spec.containers[1].env, []);
    assert.deepEqual(out.spec.volumes, [{ name: 'v', hostPath: { path: '/h' } }]);
    const replaced = strategicMerge(pod, { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'z' }] } }, PATCH_META.Pod) as any;
    assert.deepEqual(replaced.spec.containers, [{ name: 'only', image: 'z' }]);
    assert.deepEqual((strategicMerge(pod, { spec: { $patch: 'replace', volumes: [] } }, PATCH_META.Pod) as any).spec, { volumes: [] });
  });

  test('a kind without patch metadata replaces lists', () => {
    assert.deepEqual(strategicMerge({ rules: [{ verbs: ['get'] }] }, { rules: [{ verbs: ['list'] }] }, PATCH_META.ClusterRole), { rules: [{ verbs: ['list'] }] });
  });
});

describe('merge patch and JSON patch', () => {
  test('RFC 7386', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1] }, { a: { b: null, d: 3 }, l: [2] }), { a: { c: 2, d: 3 }, l: [2] });
  });

  test('RFC 6902 operations and failures', () => {
    const doc = { data: { a: '1' }, list: [1, 2] };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/data/b', value: '2' }, { op: 'replace', path: '/data/a', value: 'x' }, { op: 'add', path: '/list/-', value: 3 },
      { op: 'remove', path: '/list/0' }, { op: 'copy', from: '/data/a', path: '/data/c' }, { op: 'move', from: '/data/b', path: '/data/m~1n' },
      { op: 'test', path: '/list', value: [2, 3] },
    ]);
    assert.deepEqual(out, { data: { a: 'x', c: 'x', 'm/n': '2' }, list: [2, 3] });
    assert.deepEqual(doc, { data: { a: '1' }, list: [1, 2] }, 'input not mutated');
    assert.throws(() => jsonPatch(doc, [{ op: 'replace', path: '/data/zz', value: 1 }]), PatchError);
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/data/a', value: '2' }]), /test failed/);
    assert.throws(() => jsonPatch(doc, { op: 'add' }), /array/);
  });
});

/** A tiny protobuf writer, independent of the decoder under test. */
function field(n: number, v: Buffer | string | number): Buffer {
  if (typeof v === 'number') return Buffer.from([(n << 3) | 0, ...varint(v)]);
  const b = Buffer.isBuffer(v) ? v : Buffer.from(v);
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...varint(b.length)]), b]);
}
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n);
  return out;
}
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])), field(2, raw), field(3, ''), field(4, '')]);
}

describe('protobuf request bodies', () => {
  test('TokenRequest: audiences, expirationSeconds, boundObjectRef; empty strings dropped', () => {
    const spec = Buffer.concat([field(1, 'a1'), field(1, 'a2'), field(3, Buffer.concat([field(1, 'Pod'), field(2, 'v1'), field(3, 'p'), field(4, '')])), field(4, 600)]);
    const body = envelope('authentication.k8s.io/v1', 'TokenRequest', Buffer.concat([field(1, Buffer.concat([field(1, ''), field(3, '')])), field(2, spec)]));
    assert.deepEqual(decodeProtobuf(body), {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
      spec: { audiences: ['a1', 'a2'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' }, expirationSeconds: 600 },
    });
  });

  test('ConfigMap: metadata maps, data map (empty values kept), binaryData as base64', () => {
    const entry = (k: string, v: string | Buffer) => Buffer.concat([field(1, k), field(2, v)]);
    const meta = Buffer.concat([field(1, 'cm'), field(3, 'ns'), field(11, entry('app', 'x'))]);
    const raw = Buffer.concat([field(1, meta), field(2, entry('k', 'v')), field(2, entry('empty', '')), field(3, entry('bin', Buffer.from([0, 1, 2])))]);
    assert.deepEqual(decodeProtobuf(envelope('v1', 'ConfigMap', raw)), {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns', labels: { app: 'x' } }, data: { k: 'v', empty: '' }, binaryData: { bin: 'AAEC' },
    });
  });

  test('ClusterRoleBinding subjects and roleRef', () => {
    const raw = Buffer.concat([field(1, field(1, 'crb')), field(2, Buffer.concat([field(1, 'Group'), field(2, 'rbac.authorization.k8s.io'), field(3, 'system:unauthenticated')])), field(3, Buffer.concat([field(1, 'rbac.authorization.k8s.io'), field(2, 'ClusterRole'), field(3, 'r')]))]);
    const o = decodeProtobuf(envelope('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', raw)) as any;
    assert.deepEqual(o.subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' }]);
    assert.deepEqual(o.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'r' });
  });

  test('bad magic and unknown kinds are named', () => {
    assert.throws(() => decodeProtobuf(Buffer.from('{"kind":"X"}')), /k8s\\0/);
    assert.throws(() => decodeProtobuf(envelope('apps/v1', 'StatefulSet', Buffer.alloc(0))), /no protobuf decoding for kind "StatefulSet"/);
  });
});

describe('Status wording', () => {
  test('Invalid: one error inline, several in brackets, causes per field', () => {
    const one = invalid(def('ConfigMap'), 'x', [{ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' }]);
    assert.equal(one.message, 'ConfigMap "x" is invalid: metadata.name: Required value: name or generateName is required');
    const two = invalid(def('Deployment'), 'd', [{ type: 'Required', field: 'spec.selector' }, { type: 'Invalid', field: 'spec.replicas', value: -1, detail: 'must be greater than or equal to 0' }]);
    assert.equal(two.message, 'Deployment.apps "d" is invalid: [spec.selector: Required value, spec.replicas: Invalid value: -1: must be greater than or equal to 0]');
    assert.deepEqual((JSON.parse(String(two.toResponse().body)) as any).details.causes[1], { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' });
    assert.ok(two instanceof KubeStatusError && two.code === 422);
  });

  test('names, config keys and projected token lifetimes', () => {
    assert.match(validateName(def('Namespace'), 'Bad')[0].detail!, /RFC 1123 label/);
    assert.deepEqual(validateName(def('ClusterRole'), 'system:x'), []);
    assert.deepEqual(validateName(def('ClusterRole'), 'a/b').map((e) => e.detail), ["may not contain '/'"]);
    assert.equal(validateObject(def('ConfigMap'), { metadata: { name: 'c' }, data: { 'bad key': '1' } })[0].field, 'data[bad key]');
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }], volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 60 } }] } }] } };
    assert.deepEqual(validateObject(def('Pod'), pod).map((e) => `${e.field} ${e.type}`), [
      'spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds Invalid', 'spec.containers[0].volumeMounts[0].name NotFound',
    ]);
  });
});

describe('discovery negotiation and versions', () => {
  test('aggregated only for v2', () => {
    assert.equal(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'), true);
    assert.equal(wantsAggregated('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'), false);
    assert.equal(wantsAggregated(undefined), false);
  });

  test('/version minor: managed platforms carry "+"', () => {
    assert.equal((versionInfo('v1.32.5') as any).minor, '32');
    assert.equal((versionInfo('v1.31.4-eks-1234567') as any).minor, '31+');
    assert.equal((versionInfo('v1.33.1-gke.1000') as any).minor, '33+');
    assert.equal((versionInfo('v1.32.5+k3s1') as any).minor, '32');
  });
});

describe('selectors', () => {
  const objs: KObj[] = [{ metadata: { name: 'a', labels: { app: 'x', tier: 'web' } } }, { metadata: { name: 'b', labels: { app: 'y' } } }, { metadata: { name: 'c' } }];
  const pick = (q: string) => objs.filter(listFilter(new URL(`https://x/?${q}`), 'Pod')).map((o) => o.metadata.name);
  test('equality, set-based, existence, fields', () => {
    assert.deepEqual(pick('labelSelector=app%3Dx'), ['a']);
    assert.deepEqual(pick('labelSelector=app!%3Dx'), ['b', 'c']);
    assert.deepEqual(pick('labelSelector=app%20in%20(x,y),!tier'), ['b']);
    assert.deepEqual(pick('labelSelector=app%20notin%20(x)'), ['b', 'c']);
    assert.deepEqual(pick('labelSelector=tier'), ['a']);
    assert.deepEqual(pick('fieldSelector=metadata.name%3Dc'), ['c']);
    assert.throws(() => pick('fieldSelector=spec.bogus%3D1'), /field label not supported: spec.bogus/);
  });
});

describe('emulated shell', () => {
  const container = (): Container => ({
    fs: { files: new Map([['/etc/a', Buffer.from('A\n')]]), dirs: new Set(['/', '/etc', '/etc/empty']) },
    env: new Map([['HOME', '/root'], ['F', '/etc/a']]),
    gcloud: async (_args, io) => { io.out('token\n'); return 0; },
  });
  async function run(argv: string[]): Promise<[number, string, string]> {
    let out = '';
    let err = '';
    const io: Io = { out: (d) => { out += d; }, err: (d) => { err += d; } };
    return [await runCommand(container(), argv, io), out, err];
  }
  test('tokenizer: quotes, variables, operators', () => {
    assert.deepEqual(tokenize(`cat "$F" 'x y' \${HOME}/z && echo a;b || c | d`, new Map([['F', '/f'], ['HOME', '/h']])), [
      'cat', '/f', 'x y', '/h/z', { op: '&&' }, 'echo', 'a', { op: ';' }, 'b', { op: '||' }, 'c', { op: '|' }, 'd',
    ]);
  });
  test('commands, sequences and redirections', async () => {
    assert.deepEqual(await run(['cat', '/etc/a']), [0, 'A\n', '']);
    assert.deepEqual(await run(['/bin/cat', '/etc']), [1, '', 'cat: /etc: Is a directory\n']);
    assert.deepEqual(await run(['ls', '/etc']), [0, 'a\nempty\n', '']);
    assert.deepEqual(await run(['ls', '/nope']), [2, '', "ls: cannot access '/nope': No such file or directory\n"]);
    assert.deepEqual(await run(['sh', '-c', 'cat /nope 2>/dev/null || echo fallback; printenv HOME']), [0, 'fallback\n/root\n', '']);
    assert.deepEqual(await run(['sh', '-c', 'false && echo no']), [1, '', '']);
    assert.deepEqual(await run(['bash', '-c', 'gcloud auth print-access-token']), [0, 'token\n', '']);
    assert.deepEqual(await run(['sh', '-c', 'cat /etc/a | wc -l']), [2, '', "sh: pipelines are not supported by the wif sandbox (pods are stored, not run)\n"]);
    await assert.rejects(run(['nosuch']), /nosuch/);
  });
});

test('humanDuration follows apimachinery', () => {
  const s = 1000;
  const cases: [number, string][] = [[-5 * s, '<invalid>'], [0, '0s'], [119 * s, '119s'], [150 * s, '2m30s'], [600 * s, '10m'], [3 * 3600 * s + 60 * s, '3h1m'], [30 * 3600 * s, '30h'], [3 * 86400 * s, '3d'], [400 * 86400 * s, '400d'], [800 * 86400 * s, '2y70d']];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, String(ms));
});
