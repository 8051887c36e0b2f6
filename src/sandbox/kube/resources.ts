/**
 * The API resources this simulated kube-apiserver serves. One table drives discovery (aggregated v2 and
 * legacy), OpenAPI v3, request routing and the object store, so a resource added here is served everywhere.
 * Objects are stored, never run: no controller creates ReplicaSets or Pods from a Deployment.
 */
export interface SubResource {
  name: string;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural resource name, e.g. `serviceaccounts`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubResource[];
  /** Request-only kinds (reviews): POST answers 201 and nothing is stored. */
  virtual?: boolean;
  /** metadata.name rule (pkg/apis/*\/validation): RFC 1123 subdomain unless said otherwise. */
  nameRule?: 'label' | 'subdomain' | 'path-segment';
  /** Objects with a spec that track metadata.generation. */
  generation?: boolean;
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const NO_COLLECTION = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE = ['create'];

export const RESOURCES: ResourceDef[] = [
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ALL, shortNames: ['cm'] },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, verbs: ALL, shortNames: ['ev'] },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: NO_COLLECTION, shortNames: ['ns'], nameRule: 'label' },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, verbs: ALL, shortNames: ['no'] },
  {
    group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ALL, shortNames: ['po'], categories: ['all'],
    subresources: [{ name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] }, { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }],
  },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true, verbs: ALL },
  {
    group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, verbs: ALL, shortNames: ['sa'],
    subresources: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: CREATE }],
  },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, verbs: ALL, shortNames: ['ds'], categories: ['all'], generation: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, verbs: ALL, shortNames: ['deploy'], categories: ['all'], generation: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true, verbs: ALL, shortNames: ['sts'], categories: ['all'], generation: true },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false, verbs: CREATE, virtual: true },
  { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: CREATE, virtual: true },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: CREATE, virtual: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true, verbs: ALL, shortNames: ['cj'], categories: ['all'], generation: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true, verbs: ALL, categories: ['all'], generation: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false, verbs: ALL, nameRule: 'path-segment' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false, verbs: ALL, nameRule: 'path-segment' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true, verbs: ALL, nameRule: 'path-segment' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true, verbs: ALL, nameRule: 'path-segment' },
];

/** `v1` or `apps/v1`. */
export function groupVersion(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** `configmaps` or `deployments.apps`: how apimachinery names a resource in error messages. */
export function qualifiedResource(def: ResourceDef): string {
  return def.group ? `${def.resource}.${def.group}` : def.resource;
}

/** `ConfigMap` or `Deployment.apps`: how validation errors name a kind. */
export function qualifiedKind(def: ResourceDef): string {
  return def.group ? `${def.kind}.${def.group}` : def.kind;
}

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceByKind(kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.kind === kind && !r.virtual);
}

/** Groups other than core, in discovery order (sorted, as the aggregator lists built-ins by priority). */
export function apiGroups(): string[] {
  return [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))];
}
