/**
 * GET/LIST/POST/PUT/PATCH/DELETE of stored kinds, in the order kube-apiserver checks things: the namespace
 * exists (NamespaceLifecycle), admission and defaulting, validation (422 Invalid), then storage (409
 * AlreadyExists / Conflict). `dryRun=All` runs everything but the write. Lists omit items' kind/apiVersion as
 * real lists do.
 */
import type { SbResponse } from '../types.js';
import type { KubeContext, ResourceRequest } from './context.js';
import { serverSideApply } from './apply.js';
import { admitPod, defaultNamespace, defaultSecret, defaultWorkload, podStatus } from './defaults.js';
import { jsonPatch, mergePatch, PATCH_META, PatchError, strategicMerge } from './patch.js';
import { groupVersion, RESOURCES, type ResourceDef } from './resources.js';
import { listFilter } from './selectors.js';
import { errors, invalid, KubeStatusError, reply } from './status.js';
import { rfc3339, type KObj } from './store.js';
import { toTable, wantsTable } from './tables.js';
import { validateName, validateObject } from './validate.js';

type O = Record<string, any>;
const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;
const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];

/** Read an object, refreshing what the kubelet would report for pods. */
function read(ctx: KubeContext, def: ResourceDef, ns: string, name: string): KObj | undefined {
  const o = ctx.store.get(def, ns, name);
  if (o && def.kind === 'Pod') o.status = podStatus(o, ctx.store, ctx.now());
  return o;
}

function requireNamespace(ctx: KubeContext, ns: string): void {
  if (!ctx.store.get(res('Namespace'), '', ns)) throw errors.notFound(res('Namespace'), ns);
}

function checkBody(r: ResourceRequest, body: unknown): KObj {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the body of the request was empty or not a JSON object');
  const obj = body as KObj;
  obj.metadata = (obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {}) as KObj['metadata'];
  const gv = groupVersion(r.def);
  if (obj.apiVersion && obj.apiVersion !== gv) throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
  if (obj.kind && obj.kind !== r.def.kind) throw errors.badRequest(`${r.def.kind} in version "${r.def.version}" cannot be handled as a ${r.def.kind}: the kind in the data (${obj.kind}) does not match ${r.def.kind}`);
  if (r.def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== r.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return obj;
}

function validate(def: ResourceDef, obj: KObj): void {
  const errs = [...validateName(def, obj.metadata.name, obj.metadata.generateName as string | undefined), ...validateObject(def, obj)];
  if (errs.length) throw invalid(def, String(obj.metadata.name ?? ''), errs);
}

function dryRun(url: URL): boolean {
  return url.searchParams.getAll('dryRun').includes('All');
}

/** Objects the namespace controller / root-ca publisher / SA controller create with every namespace. */
export function namespaceSideEffects(ctx: KubeContext, ns: string): void {
  ctx.store.put(res('ServiceAccount'), ns, { metadata: { name: 'default' } });
  let ca: string | undefined;
  try {
    ca = ctx.deps.caPem();
  } catch {
    ca = undefined;
  }
  if (ca) {
    ctx.store.put(res('ConfigMap'), ns, { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': ca } });
  }
}

function prepareCreate(ctx: KubeContext, r: ResourceRequest, obj: KObj): void {
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
  if (r.def.kind === 'Namespace') defaultNamespace(obj);
  if (WORKLOADS.includes(r.def.kind)) defaultWorkload(obj);
  if (r.def.kind === 'Secret') defaultSecret(obj);
  delete obj.metadata.resourceVersion;
  delete obj.metadata.uid;
  delete obj.metadata.creationTimestamp;
}

/** POST to a collection → 201 with the stored object. */
export function create(ctx: KubeContext, r: ResourceRequest, body: unknown, url: URL): SbResponse {
  const obj = checkBody(r, body);
  if (r.def.namespaced) requireNamespace(ctx, r.namespace);
  prepareCreate(ctx, r, obj);
  obj.metadata.namespace = r.def.namespaced ? r.namespace : undefined;
  if (r.def.kind === 'Pod') admitPod(r.def, obj, ctx.store, ctx.nodeName);
  validate(r.def, obj);
  if (ctx.store.get(r.def, r.namespace, obj.metadata.name)) throw errors.alreadyExists(r.def, obj.metadata.name);
  if (dryRun(url)) return reply(201, obj);
  if (r.def.kind === 'Pod') obj.status = podStatus(obj, ctx.store, ctx.now());
  const stored = ctx.store.put(r.def, r.namespace, obj);
  if (r.def.kind === 'Namespace') namespaceSideEffects(ctx, obj.metadata.name);
  return reply(201, stored);
}

/** Store next as the new version of cur (shared by PUT and PATCH). */
function update(ctx: KubeContext, r: ResourceRequest, cur: KObj, next: KObj, url: URL): SbResponse {
  const name = String(r.name);
  if (next.metadata?.name !== undefined && next.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
  }
  next.metadata = { ...next.metadata, name };
  const rv = next.metadata.resourceVersion;
  if (rv && rv !== cur.metadata.resourceVersion) throw errors.conflict(r.def, name, 'the object has been modified; please apply your changes to the latest version and try again');
  if (r.subresource === 'status') next = { ...cur, status: next.status };
  else if (['Pod', 'Namespace', ...WORKLOADS].includes(r.def.kind)) next.status = cur.status;
  if (r.def.kind === 'Namespace') defaultNamespace(next);
  if (WORKLOADS.includes(r.def.kind)) defaultWorkload(next);
  if (r.def.kind === 'Secret') defaultSecret(next);
  validate(r.def, next);
  if (dryRun(url)) return reply(200, next);
  // A write that changes nothing is not stored: the resourceVersion stays (GuaranteedUpdate's no-op short cut).
  if (JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: cur.metadata.resourceVersion } }) === JSON.stringify(cur)) return reply(200, cur);
  return reply(200, ctx.store.put(r.def, r.namespace, next, cur));
}

/** PUT → 200 with the updated object. */
export function replace(ctx: KubeContext, r: ResourceRequest, body: unknown, url: URL): SbResponse {
  const obj = checkBody(r, body);
  const cur = ctx.store.get(r.def, r.namespace, String(r.name));
  if (!cur) throw errors.notFound(r.def, String(r.name));
  return update(ctx, r, cur, obj, url);
}

/** PATCH: strategic-merge, merge and JSON patches, and server-side apply (apply.ts). */
export function patch(ctx: KubeContext, r: ResourceRequest, body: unknown, contentType: string, url: URL): SbResponse {
  const cur = ctx.store.get(r.def, r.namespace, String(r.name));
  const type = contentType.split(';')[0].trim();
  if (!PATCH_TYPES.includes(type)) throw errors.unsupportedMediaType(PATCH_TYPES);
  if (type === 'application/apply-patch+yaml' && r.subresource !== 'status') {
    return serverSideApply(ctx, ctx.applied, r, body, url, {
      create: (obj) => create(ctx, { ...r, name: undefined, verb: 'create' }, obj, url),
      update: (c, next) => update(ctx, r, c, next, url),
    });
  }
  if (!cur) throw errors.notFound(r.def, String(r.name));
  let next: unknown;
  try {
    if (type === 'application/json-patch+json') next = jsonPatch(cur, body);
    else if (type === 'application/merge-patch+json') next = mergePatch(cur, body);
    else next = strategicMerge(cur, body, PATCH_META[r.def.kind]);
  } catch (e) {
    if (e instanceof PatchError) throw new KubeStatusError(422, 'Invalid', e.message);
    throw e;
  }
  return update(ctx, r, cur, checkBody(r, next), url);
}

/** GET one object, or the list (with label/field selectors); a meta.k8s.io Table when the client asks for one. */
export function get(ctx: KubeContext, r: ResourceRequest, url: URL, accept?: string): SbResponse {
  const table = wantsTable(accept);
  if (r.name) {
    const o = read(ctx, r.def, r.namespace, r.name);
    if (!o) throw errors.notFound(r.def, r.name);
    return reply(200, table && !r.subresource ? toTable([o], r.def.kind, ctx.now()) : o);
  }
  const keep = listFilter(url, r.def.kind);
  const objects = ctx.store.list(r.def, r.namespace || undefined)
    .map((o) => (r.def.kind === 'Pod' ? { ...o, status: podStatus(o, ctx.store, ctx.now()) } : o))
    .filter(keep);
  const rv = ctx.store.resourceVersion();
  if (table) return reply(200, toTable(objects, r.def.kind, ctx.now(), rv));
  const items = objects.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
  return reply(200, { kind: `${r.def.kind}List`, apiVersion: groupVersion(r.def), metadata: { resourceVersion: rv }, items });
}

function deleteNamespaceContents(ctx: KubeContext, ns: string): void {
  for (const def of RESOURCES.filter((d) => d.namespaced && !d.virtual)) {
    for (const o of ctx.store.list(def, ns)) ctx.store.delete(def, ns, o.metadata.name);
  }
}

/** DELETE one object: Status Success, or the object itself for pods and namespaces (graceful deletion). */
export function remove(ctx: KubeContext, r: ResourceRequest, url: URL): SbResponse {
  const name = String(r.name);
  const cur = read(ctx, r.def, r.namespace, name);
  if (!cur) throw errors.notFound(r.def, name);
  if (dryRun(url)) return reply(200, cur);
  ctx.store.delete(r.def, r.namespace, name);
  const now = rfc3339(ctx.now());
  if (r.def.kind === 'Namespace') {
    deleteNamespaceContents(ctx, name);
    return reply(200, { ...cur, metadata: { ...cur.metadata, deletionTimestamp: now }, status: { phase: 'Terminating' } });
  }
  if (r.def.kind === 'Pod') return reply(200, { ...cur, metadata: { ...cur.metadata, deletionTimestamp: now, deletionGracePeriodSeconds: 30 } });
  const details: O = { name, ...(r.def.group ? { group: r.def.group } : {}), kind: r.def.resource, uid: cur.metadata.uid };
  return reply(200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
}

/** DELETE on a collection: removes every matching object and returns them as a list. */
export function removeCollection(ctx: KubeContext, r: ResourceRequest, url: URL): SbResponse {
  const keep = listFilter(url, r.def.kind);
  const gone = ctx.store.list(r.def, r.namespace || undefined).filter(keep);
  if (!dryRun(url)) for (const o of gone) ctx.store.delete(r.def, String(o.metadata.namespace ?? ''), o.metadata.name);
  return reply(200, { kind: `${r.def.kind}List`, apiVersion: groupVersion(r.def), metadata: { resourceVersion: ctx.store.resourceVersion() }, items: gone });
}
