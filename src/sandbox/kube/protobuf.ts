/**
 * Decoding of Kubernetes protobuf request bodies (kubectl ≥1.32 typed clients send them for `create token`,
 * `create sa|configmap|namespace|clusterrolebinding`, `auth can-i`; research/k8s-clouds.md §3.4): the magic
 * `k8s\0`, a runtime.Unknown envelope {typeMeta=1{apiVersion=1,kind=2}, raw=2}, then the typed message, decoded
 * here by field-number schemas taken from k8s.io/api generated.proto. The result is the JSON object the same
 * request would have carried; gogo-protobuf writes empty non-pointer strings/messages, which JSON's omitempty
 * drops, so empty strings and empty messages are dropped here too. Fields outside the schemas (protobuf-schemas.ts)
 * are skipped.
 */
import { KINDS, TypeMeta, type Field, type Msg } from './protobuf-schemas.js';

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
  const tm = Buffer.isBuffer(typeMeta) ? decodeMessage(typeMeta, TypeMeta) : {};
  const kind = String(tm.kind ?? '');
  const schema = KINDS[kind];
  if (!schema) throw new Error(`no protobuf decoding for kind ${JSON.stringify(kind)} in the sandbox; send JSON`);
  const obj = Buffer.isBuffer(raw) ? decodeMessage(raw, schema) : {};
  return { apiVersion: tm.apiVersion, kind, ...obj, metadata: obj.metadata ?? {} };
}
