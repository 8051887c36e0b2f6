/**
 * The three PATCH content types kube-apiserver accepts for built-in kinds:
 * - `application/strategic-merge-patch+json`: lists listed in the Go types' `patchMergeKey` tags merge by that key
 *   (containers/initContainers/volumes/env/imagePullSecrets by `name`, volumeMounts by `mountPath`, ports by
 *   `containerPort`, conditions by `type`); `finalizers` merge as a set; other lists are replaced. Directives
 *   `$patch: replace|delete`, `$setElementOrder/F`, `$deleteFromPrimitiveList/F` and `$retainKeys` are honoured.
 * - `application/merge-patch+json`: RFC 7386.
 * - `application/json-patch+json`: RFC 6902.
 */
type Json = unknown;
type JObj = Record<string, Json>;

export interface PatchMeta {
  fields?: Record<string, PatchMeta>;
  mergeKey?: string;
  primitiveMerge?: boolean;
}

/** A patch that cannot be applied (422 for json-patch failures, as the API server answers). */
export class PatchError extends Error {}

const isObj = (v: Json): v is JObj => !!v && typeof v === 'object' && !Array.isArray(v);

const container: PatchMeta = {
  fields: { ports: { mergeKey: 'containerPort' }, env: { mergeKey: 'name' }, volumeMounts: { mergeKey: 'mountPath' }, volumeDevices: { mergeKey: 'devicePath' } },
};
const containers: PatchMeta = { mergeKey: 'name', ...container };
const podSpec: PatchMeta = {
  fields: {
    containers, initContainers: containers, ephemeralContainers: containers, volumes: { mergeKey: 'name' }, imagePullSecrets: { mergeKey: 'name' },
    hostAliases: { mergeKey: 'ip' }, topologySpreadConstraints: { mergeKey: 'topologyKey' },
  },
};
const metadata: PatchMeta = { fields: { finalizers: { primitiveMerge: true }, ownerReferences: { mergeKey: 'uid' } } };
const template: PatchMeta = { fields: { metadata, spec: podSpec } };
const status: PatchMeta = { fields: { conditions: { mergeKey: 'type' } } };
const workload: PatchMeta = { fields: { metadata, spec: { fields: { template } }, status } };

/** Patch metadata per kind (from the `patchStrategy`/`patchMergeKey` struct tags of k8s.io/api). */
export const PATCH_META: Record<string, PatchMeta> = {
  Pod: { fields: { metadata, spec: podSpec, status } },
  Deployment: workload,
  StatefulSet: workload,
  DaemonSet: workload,
  Job: workload,
  CronJob: { fields: { metadata, spec: { fields: { jobTemplate: { fields: { spec: { fields: { template } } } } } } } },
  ServiceAccount: { fields: { metadata, secrets: { mergeKey: 'name' } } },
};

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObj(x) && x.$patch === 'delete')).map(stripDirectives);
  if (!isObj(v)) return v;
  const out: JObj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$') && x !== null) out[k] = stripDirectives(x);
  return out;
}

function mergeList(orig: Json, patch: Json[], meta?: PatchMeta): Json[] {
  const base = Array.isArray(orig) ? [...orig] : [];
  if (meta?.primitiveMerge) return [...base, ...patch.filter((x) => !base.includes(x))];
  const key = meta?.mergeKey;
  if (!key || patch.some((x) => isObj(x) && x.$patch === 'replace')) return patch.filter((x) => !(isObj(x) && x.$patch === 'replace')).map(stripDirectives);
  for (const item of patch) {
    if (!isObj(item)) continue;
    const idx = base.findIndex((o) => isObj(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) base.splice(idx, 1);
    } else if (idx >= 0) base[idx] = strategicMerge(base[idx], item, meta);
    else base.push(stripDirectives(item));
  }
  return base;
}

function reorder(list: Json, order: Json[], key?: string): Json {
  if (!Array.isArray(list)) return list;
  const id = (x: Json) => (key && isObj(x) ? x[key] : x);
  const pos = (x: Json) => {
    const i = order.findIndex((o) => id(o) === id(x));
    return i < 0 ? order.length : i;
  };
  return list.map((x, i) => ({ x, i })).sort((a, b) => pos(a.x) - pos(b.x) || a.i - b.i).map((e) => e.x);
}

/** Apply a strategic-merge patch to orig under the given patch metadata. Returns undefined for `$patch: delete`. */
export function strategicMerge(orig: Json, patch: Json, meta?: PatchMeta): Json {
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const out: JObj = isObj(orig) ? { ...orig } : {};
  const orders: [string, Json[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) orders.push([k.slice(17), Array.isArray(v) ? v : []]);
    else if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice(25);
      if (Array.isArray(out[f])) out[f] = (out[f] as Json[]).filter((x) => !(Array.isArray(v) && v.includes(x)));
    } else if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(out[k], v, meta?.fields?.[k]);
    else if (isObj(v)) {
      const r = strategicMerge(out[k], v, meta?.fields?.[k]);
      if (r === undefined) delete out[k];
      else out[k] = r;
    } else out[k] = v;
  }
  for (const [f, order] of orders) if (f in out) out[f] = reorder(out[f], order, meta?.fields?.[f]?.mergeKey);
  if (Array.isArray(patch.$retainKeys)) for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  return out;
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(orig: Json, patch: Json): Json {
  if (!isObj(patch)) return patch;
  const out: JObj = isObj(orig) ? { ...orig } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, tokens: string[], op: string, path: string): { parent: JObj | Json[]; last: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    const next = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
    if (next === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    cur = next;
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return { parent: cur, last: tokens[tokens.length - 1] };
}

function getAt(doc: Json, path: string, op: string): Json {
  let cur = doc;
  for (const t of pointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObj(cur) ? cur[t] : undefined;
    if (cur === undefined) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function removeAt(doc: Json, path: string, op: string): Json {
  const { parent, last } = parentOf(doc, pointer(path), op, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    return parent.splice(i, 1)[0];
  }
  if (!(last in parent)) throw new PatchError(`${op} operation does not apply: doc is missing key: ${path}: missing value`);
  const v = parent[last];
  delete parent[last];
  return v;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const tokens = pointer(path);
  if (!tokens.length) return value;
  const op = replace ? 'replace' : 'add';
  const { parent, last } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!(i >= 0 && i <= parent.length)) throw new PatchError(`${op} operation does not apply: index out of bounds: ${path}`);
    if (replace) parent[i] = value;
    else parent.splice(i, 0, value);
  } else {
    if (replace && !(last in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    parent[last] = value;
  }
  return doc;
}

/** RFC 6902 JSON patch (add, remove, replace, move, copy, test). */
export function jsonPatch(orig: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = structuredClone(orig);
  for (const raw of ops) {
    const o = (isObj(raw) ? raw : {}) as { op?: string; path?: string; from?: string; value?: Json };
    const path = String(o.path ?? '');
    if (o.op === 'add') doc = addAt(doc, path, structuredClone(o.value), false);
    else if (o.op === 'replace') doc = addAt(doc, path, structuredClone(o.value), true);
    else if (o.op === 'remove') removeAt(doc, path, 'remove');
    else if (o.op === 'move') doc = addAt(doc, path, removeAt(doc, String(o.from), 'move'), false);
    else if (o.op === 'copy') doc = addAt(doc, path, structuredClone(getAt(doc, String(o.from), 'copy')), false);
    else if (o.op === 'test') {
      if (JSON.stringify(getAt(doc, path, 'test')) !== JSON.stringify(o.value)) throw new PatchError(`testing value ${path} failed: test failed`);
    } else throw new PatchError(`Unexpected kind: ${String(o.op)}`);
  }
  return doc;
}
