/**
 * Server-side apply (`PATCH` with `application/apply-patch+yaml`, `kubectl apply --server-side`), simplified to
 * one field manager's view: the applied configuration is merged into the live object (keyed lists by their merge
 * keys, other lists atomic), and fields this manager applied last time but no longer applies are removed. Not
 * modelled: managedFields in responses and conflicts between managers (every apply behaves as with --force-conflicts).
 */
import type { SbResponse } from '../types.js';
import type { KubeContext, ResourceRequest } from './context.js';
import { PATCH_META, strategicMerge, type PatchMeta } from './patch.js';
import { groupVersion } from './resources.js';
import { errors, invalid } from './status.js';
import type { KObj } from './store.js';

type O = Record<string, any>;
const isObj = (v: unknown): v is O => !!v && typeof v === 'object' && !Array.isArray(v);

/** The last configuration each manager applied, per object uid. */
export type AppliedConfigs = Map<string, O>;

function removeDropped(live: O, prev: O, next: O, meta?: PatchMeta): void {
  for (const [k, pv] of Object.entries(prev)) {
    const nv = next[k];
    if (nv === undefined) delete live[k];
    else if (isObj(pv) && isObj(nv) && isObj(live[k])) removeDropped(live[k], pv, nv, meta?.fields?.[k]);
    else if (Array.isArray(pv) && Array.isArray(nv) && Array.isArray(live[k]) && meta?.fields?.[k]?.mergeKey) {
      const key = meta.fields[k].mergeKey!;
      const gone = pv.filter((p: O) => !nv.some((n: O) => n?.[key] === p?.[key])).map((p: O) => p?.[key]);
      live[k] = live[k].filter((l: O) => !gone.includes(l?.[key]));
      for (const item of live[k]) {
        const p = pv.find((x: O) => x?.[key] === item?.[key]);
        const n = nv.find((x: O) => x?.[key] === item?.[key]);
        if (isObj(p) && isObj(n)) removeDropped(item, p, n, meta.fields[k]);
      }
    }
  }
}

/** Check an applied configuration's identity against the request (the errors the API server gives). */
function checkApplied(r: ResourceRequest, body: unknown, url: URL): O {
  if (!url.searchParams.get('fieldManager')) {
    throw invalid({ group: 'meta.k8s.io', kind: 'PatchOptions' }, '', [{ type: 'Required', field: 'fieldManager', detail: 'is required for apply patch' }]);
  }
  if (!isObj(body)) throw errors.badRequest('error decoding YAML: the applied configuration is not an object');
  if (body.apiVersion !== groupVersion(r.def) || body.kind !== r.def.kind) {
    throw errors.badRequest(`the API version and kind in the applied configuration (${String(body.apiVersion)}, ${String(body.kind)}) do not match the request (${groupVersion(r.def)}, ${r.def.kind})`);
  }
  if (body.metadata?.name && body.metadata.name !== r.name) {
    throw errors.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${r.name})`);
  }
  return body;
}

export interface ApplyHooks {
  create(body: O): SbResponse;
  update(cur: KObj, next: KObj): SbResponse;
}

/** Server-side apply of body to the object named by r (create when missing). */
export function serverSideApply(ctx: KubeContext, configs: AppliedConfigs, r: ResourceRequest, body: unknown, url: URL, hooks: ApplyHooks): SbResponse {
  const applied = checkApplied(r, body, url);
  const manager = String(url.searchParams.get('fieldManager'));
  const cur = ctx.store.get(r.def, r.namespace, String(r.name));
  const config = structuredClone({ ...applied, metadata: { ...applied.metadata, name: r.name } });
  if (!cur) {
    const res = hooks.create(structuredClone(config));
    if (res.status === 201 && typeof res.body === 'string') configs.set(`${JSON.parse(res.body).metadata.uid}/${manager}`, config);
    return res;
  }
  const key = `${cur.metadata.uid}/${manager}`;
  const meta = PATCH_META[r.def.kind];
  const live = structuredClone(cur);
  const prev = configs.get(key);
  if (prev) removeDropped(live, prev, config, meta);
  const next = strategicMerge(live, config, meta) as KObj;
  const res = hooks.update(cur, next);
  if (res.status < 300) configs.set(key, config);
  return res;
}
