/**
 * Discovery documents as kube-apiserver serves them (research/k8s-clouds.md §3.3): `/version`, aggregated
 * discovery v2 for `/api` and `/apis` (only when the Accept header lists v=v2: kubectl ≤1.29 asks for v2beta1
 * only and must get the legacy shapes), legacy `/api/v1` and `/apis/G/V`, and the OpenAPI v3 root plus one
 * document per group-version with what `kubectl apply` checks (a PATCH operation per kind, tagged with its GVK,
 * that lists the `fieldValidation` query parameter).
 */
import { createHash } from 'node:crypto';
import { apiGroups, groupVersion, RESOURCES, type ResourceDef } from './resources.js';

export const AGGREGATED_CT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** `/version` for a gitVersion such as `v1.32.5-eks-1234567` or `v1.31.4+k3s1`. */
export function versionInfo(gitVersion: string): object {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  // Managed platforms report minor with a trailing "+" (e.g. EKS/GKE "32+"); kubeadm and k3s a plain number.
  const plus = /-(eks|gke)\b|\.gke\./.test(gitVersion) ? '+' : '';
  return {
    major: m?.[1] ?? '1', minor: `${m?.[2] ?? '32'}${plus}`,
    gitVersion, gitCommit: createHash('sha1').update(gitVersion).digest('hex'), gitTreeState: 'clean',
    buildDate: '2025-05-15T08:15:09Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64',
  };
}

/** True when the client accepts aggregated discovery v2 (kubectl ≥1.30). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => p.includes('g=apidiscovery.k8s.io') && /;\s*v=v2(;|$)/.test(p) && p.includes('as=APIGroupDiscoveryList'));
}

function prune<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && !v.length))) as T;
}

function singular(def: ResourceDef): string {
  return def.kind.toLowerCase();
}

function aggregatedResource(def: ResourceDef): object {
  return prune({
    resource: def.resource, responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster', singularResource: singular(def), verbs: def.verbs,
    shortNames: def.shortNames, categories: def.categories,
    subresources: (def.subresources ?? []).map((s) => ({
      subresource: s.name, responseKind: { group: s.group ?? def.group, version: s.version ?? def.version, kind: s.kind }, verbs: s.verbs,
    })),
  });
}

function aggregatedGroup(group: string): object {
  const versions = [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))];
  return {
    metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
    versions: versions.map((version) => ({
      version, resources: RESOURCES.filter((r) => r.group === group && r.version === version).map(aggregatedResource), freshness: 'Current',
    })),
  };
}

/** `/api` (core) or `/apis` (every other group) as APIGroupDiscoveryList v2. */
export function aggregatedDiscovery(core: boolean): object {
  const items = core ? [aggregatedGroup('')] : apiGroups().map(aggregatedGroup);
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** Legacy `/api`: APIVersions. */
export function legacyApiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** Legacy `/apis`: APIGroupList. */
export function legacyGroupList(): object {
  const groups = apiGroups().map((name) => {
    const gv = { groupVersion: `${name}/v1`, version: 'v1' };
    return { name, versions: [gv], preferredVersion: gv };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** Legacy `/apis/G` (APIGroup), or undefined for an unknown group. */
export function legacyGroup(group: string): object | undefined {
  if (!apiGroups().includes(group)) return undefined;
  const gv = { groupVersion: `${group}/v1`, version: 'v1' };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

/** Legacy `/api/v1` or `/apis/G/V`: APIResourceList, or undefined for an unknown group-version. */
export function legacyResourceList(group: string, version: string): object | undefined {
  const defs = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!defs.length) return undefined;
  const resources = defs.flatMap((d) => [
    prune({ name: d.resource, singularName: singular(d), namespaced: d.namespaced, kind: d.kind, verbs: d.verbs, shortNames: d.shortNames, categories: d.categories }),
    ...(d.subresources ?? []).map((s) => prune({ name: `${d.resource}/${s.name}`, singularName: '', namespaced: d.namespaced, group: s.group, version: s.version, kind: s.kind, verbs: s.verbs })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const FIELD_VALIDATION = {
  name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true },
  description: 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (default) - Strict',
};

/** The OpenAPI v3 document of one group-version (`api/v1`, `apis/apps/v1`), or undefined. */
export function openapiDocument(path: string, gitVersion: string): object | undefined {
  const defs = RESOURCES.filter((r) => gvPath(r.group, r.version) === path && !r.virtual);
  if (!defs.length && !RESOURCES.some((r) => gvPath(r.group, r.version) === path)) return undefined;
  const paths: Record<string, object> = {};
  for (const d of defs) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const base = `/${path}/${d.namespaced ? 'namespaces/{namespace}/' : ''}${d.resource}`;
    paths[base] = { post: { 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': 'post', parameters: [FIELD_VALIDATION] } };
    paths[`${base}/{name}`] = {
      put: { 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': 'put', parameters: [FIELD_VALIDATION] },
      patch: { 'x-kubernetes-group-version-kind': gvk, 'x-kubernetes-action': 'patch', parameters: [FIELD_VALIDATION] },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas: {} } };
}

/** `/openapi/v3`: every group-version with a content-hash URL (clients cache hashed documents as immutable). */
export function openapiRoot(gitVersion: string): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const p of [...new Set(RESOURCES.map((r) => gvPath(r.group, r.version)))]) {
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${openapiHash(p, gitVersion)}` };
  }
  return { paths };
}

export function openapiHash(path: string, gitVersion: string): string {
  return createHash('sha512').update(JSON.stringify(openapiDocument(path, gitVersion) ?? null)).digest('hex').toUpperCase();
}

export const OPENAPI_V2_PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function pbString(field: number, s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
}

/**
 * `/openapi/v2` without definitions: kubectl validates `kind: List` documents client-side against v2 (the v3
 * field-validation probe never covers v1/List) and skips kinds it has no schema for, so items are then validated
 * by the server (fieldValidation=Strict) as for single objects. Protobuf (gnostic openapi_v2.Document{swagger=1,
 * info=2{title=1, version=2}}) when asked for, as kubectl does; JSON otherwise.
 */
export function openapiV2(gitVersion: string, accept: string | undefined): { body: Buffer | object; contentType: string } {
  if ((accept ?? '').includes(OPENAPI_V2_PB)) {
    const info = Buffer.concat([pbString(1, 'Kubernetes'), pbString(2, gitVersion)]);
    const body = Buffer.concat([pbString(1, '2.0'), Buffer.from([(2 << 3) | 2, info.length]), info]);
    // kube-openapi answers with `.v1.0` for `@v1.0`: Go's mime parser rejects the '@' in a Content-Type.
    return { body, contentType: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' };
  }
  return { body: { swagger: '2.0', info: { title: 'Kubernetes', version: gitVersion }, paths: {}, definitions: {} }, contentType: 'application/json' };
}
