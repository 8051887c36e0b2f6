/**
 * Decoding of Kubernetes protobuf request bodies (kubectl ≥1.32 typed clients send them for `create token`,
 * `create sa|configmap|namespace|clusterrolebinding`, `auth can-i`; research/k8s-clouds.md §3.4): the magic
 * `k8s\0`, a runtime.Unknown envelope {typeMeta=1{apiVersion=1,kind=2}, raw=2}, then the typed message, decoded
 * here by field-number schemas taken from k8s.io/api generated.proto. The result is the JSON object the same
 * request would have carried; gogo-protobuf writes empty non-pointer strings/messages, which JSON's omitempty
 * drops, so empty strings and empty messages are dropped here too.
 */
interface Field {
  n: string;
  t: 'string' | 'int' | 'bool' | 'bytes' | 'map' | 'bytesmap' | Msg;
  r?: boolean;
}
type Msg = () => Record<number, Field>;

const s = (n: string, r = false): Field => ({ n, t: 'string', r });
const i = (n: string): Field => ({ n, t: 'int' });
const b = (n: string): Field => ({ n, t: 'bool' });
const m = (n: string, t: Msg, r = false): Field => ({ n, t, r });
const map = (n: string): Field => ({ n, t: 'map' });

// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto
const ObjectMeta: Msg = () => ({ 1: s('name'), 2: s('generateName'), 3: s('namespace'), 5: s('uid'), 6: s('resourceVersion'), 11: map('labels'), 12: map('annotations'), 14: s('finalizers', true) });
const ObjectRef: Msg = () => ({ 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion') });
const LocalRef: Msg = () => ({ 1: s('name') });
// k8s.io/api/authentication/v1
const BoundRef: Msg = () => ({ 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') });
const TokenRequestSpec: Msg = () => ({ 1: s('audiences', true), 3: m('boundObjectRef', BoundRef), 4: i('expirationSeconds') });
const TokenReviewSpec: Msg = () => ({ 1: s('token'), 2: s('audiences', true) });
// k8s.io/api/authorization/v1
const ResourceAttributes: Msg = () => ({ 1: s('namespace'), 2: s('verb'), 3: s('group'), 4: s('version'), 5: s('resource'), 6: s('subresource'), 7: s('name') });
const NonResourceAttributes: Msg = () => ({ 1: s('path'), 2: s('verb') });
const SSARSpec: Msg = () => ({ 1: m('resourceAttributes', ResourceAttributes), 2: m('nonResourceAttributes', NonResourceAttributes) });
// k8s.io/api/rbac/v1
const PolicyRule: Msg = () => ({ 1: s('verbs', true), 2: s('apiGroups', true), 3: s('resources', true), 4: s('resourceNames', true), 5: s('nonResourceURLs', true) });
const Subject: Msg = () => ({ 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') });
const RoleRef: Msg = () => ({ 1: s('apiGroup'), 2: s('kind'), 3: s('name') });
const Role: Msg = () => ({ 1: m('metadata', ObjectMeta), 2: m('rules', PolicyRule, true) });
const Binding: Msg = () => ({ 1: m('metadata', ObjectMeta), 2: m('subjects', Subject, true), 3: m('roleRef', RoleRef) });

/** Kinds whose protobuf bodies this server decodes (top-level message schemas). */
const KINDS: Record<string, Msg> = {
  TokenRequest: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', TokenRequestSpec) }),
  TokenReview: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', TokenReviewSpec) }),
  SelfSubjectReview: () => ({ 1: m('metadata', ObjectMeta) }),
  SelfSubjectAccessReview: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', SSARSpec) }),
  ConfigMap: () => ({ 1: m('metadata', ObjectMeta), 2: map('data'), 3: { n: 'binaryData', t: 'bytesmap' }, 4: b('immutable') }),
  ServiceAccount: () => ({ 1: m('metadata', ObjectMeta), 2: m('secrets', ObjectRef, true), 3: m('imagePullSecrets', LocalRef, true), 4: b('automountServiceAccountToken') }),
  Namespace: () => ({ 1: m('metadata', ObjectMeta), 2: m('spec', () => ({ 1: s('finalizers', true) })) }),
  ClusterRole: Role,
  Role,
  ClusterRoleBinding: Binding,
  RoleBinding: Binding,
};

export const PROTOBUF_CT = 'application/vnd.kubernetes.protobuf';

type Raw = { f: number; w: number; v: bigint | Buffer };

function varint(buf: Buffer, pos: number): [bigint, number] {
  let r = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const byte = buf[pos++];
    r |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [r, pos];
    shift += 7n;
  }
}

function rawFields(buf: Buffer): Raw[] {
  const out: Raw[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: bigint;
    [key, pos] = varint(buf, pos);
    const f = Number(key >> 3n);
    const w = Number(key & 7n);
    if (w === 0) {
      let v: bigint;
      [v, pos] = varint(buf, pos);
      out.push({ f, w, v });
    } else if (w === 2) {
      let len: bigint;
      [len, pos] = varint(buf, pos);
      const end = pos + Number(len);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      out.push({ f, w, v: buf.subarray(pos, end) });
      pos = end;
    } else if (w === 1 || w === 5) {
      const len = w === 1 ? 8 : 4;
      out.push({ f, w, v: buf.subarray(pos, pos + len) });
      pos += len;
    } else throw new Error(`unsupported protobuf wire type ${w}`);
  }
  return out;
}

function mapEntry(buf: Buffer, bytes: boolean): [string, string] {
  const kv = rawFields(buf);
  const k = kv.find((x) => x.f === 1)?.v;
  const v = kv.find((x) => x.f === 2)?.v;
  const key = Buffer.isBuffer(k) ? k.toString('utf8') : '';
  const val = Buffer.isBuffer(v) ? (bytes ? v.toString('base64') : v.toString('utf8')) : '';
  return [key, val];
}

function scalar(field: Field, raw: Raw): unknown {
  if (field.t === 'int') return Number(BigInt.asIntN(64, raw.v as bigint));
  if (field.t === 'bool') return raw.v !== 0n;
  if (field.t === 'bytes') return (raw.v as Buffer).toString('base64');
  return (raw.v as Buffer).toString('utf8');
}

function decodeMessage(buf: Buffer, schema: Msg): Record<string, unknown> {
  const fields = schema();
  const out: Record<string, unknown> = {};
  for (const raw of rawFields(buf)) {
    const field = fields[raw.f];
    if (!field) continue;
    if (field.t === 'map' || field.t === 'bytesmap') {
      const [k, v] = mapEntry(raw.v as Buffer, field.t === 'bytesmap');
      out[field.n] = { ...(out[field.n] as object), [k]: v };
      continue;
    }
    const value = typeof field.t === 'function' ? decodeMessage(raw.v as Buffer, field.t) : scalar(field, raw);
    if (field.r) ((out[field.n] ??= []) as unknown[]).push(value);
    else if (value === '' || (typeof field.t === 'function' && !Object.keys(value as object).length)) continue;
    else out[field.n] = value;
  }
  return out;
}

/**
 * Decode a `k8s\0` protobuf body into the JSON object it stands for. Throws Error with a message naming the kind
 * when the body is malformed or its kind has no schema here (the caller answers 415).
 */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('protobuf body does not start with the "k8s\\0" magic');
  const unknown = rawFields(body.subarray(4));
  const typeMeta = unknown.find((x) => x.f === 1)?.v;
  const raw = unknown.find((x) => x.f === 2)?.v;
  const tm = Buffer.isBuffer(typeMeta) ? decodeMessage(typeMeta, () => ({ 1: s('apiVersion'), 2: s('kind') })) : {};
  const kind = String(tm.kind ?? '');
  const schema = KINDS[kind];
  if (!schema) throw new Error(`no protobuf decoding for kind ${JSON.stringify(kind)} in the sandbox; send JSON`);
  const obj = Buffer.isBuffer(raw) ? decodeMessage(raw, schema) : {};
  return { apiVersion: tm.apiVersion, kind, ...obj, metadata: obj.metadata ?? {} };
}
