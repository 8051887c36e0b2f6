/**
 * Authentication and RBAC as kube-apiserver does them:
 * - no credentials → `system:anonymous` (group `system:unauthenticated`), as with the default --anonymous-auth;
 * - the admin bearer token → `kubernetes-admin` in `system:masters` (RBAC's superuser group);
 * - a service-account JWT this cluster signed, still valid, for the API audiences, whose service account (and
 *   bound pod) still exist with the same uid → `system:serviceaccount:NS:NAME`;
 * - any other bearer → 401 Unauthorized.
 * Authorization evaluates the stored ClusterRoles/Roles and their bindings, starting from the bootstrap policy a
 * fresh cluster has (system:discovery, system:basic-user, system:public-info-viewer,
 * system:service-account-issuer-discovery bound to system:serviceaccounts; research §1.3), so a user who binds
 * the discovery role to system:unauthenticated really opens the OIDC documents to anonymous callers.
 */
import type { KeyRing } from './keys.js';
import { RESOURCES } from './resources.js';
import type { KObj, Store } from './store.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What is being asked (authorizer.Attributes). */
export interface Attributes {
  verb: string;
  /** Non-resource requests only. */
  path?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
export const ADMIN: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

type O = Record<string, any>;
const res = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

export interface AuthContext {
  adminToken: string;
  issuer: string;
  audiences: string[];
  keys: KeyRing;
  store: Store;
  now(): Date;
}

/** The user a service-account token stands for, or undefined when the API server would reject it. */
export function authenticateServiceAccountToken(token: string, ctx: AuthContext, audiences = ctx.audiences): UserInfo | undefined {
  const c = ctx.keys.verifyJwt(token) as O | undefined;
  if (!c || c.iss !== ctx.issuer) return undefined;
  const now = ctx.now().getTime() / 1000;
  const leeway = 60;
  if (typeof c.exp !== 'number' || c.exp + leeway < now || (typeof c.nbf === 'number' && c.nbf - leeway > now)) return undefined;
  const aud: string[] = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.some((a) => audiences.includes(a))) return undefined;
  const k = c['kubernetes.io'] ?? {};
  const ns = String(k.namespace ?? '');
  const sa = ctx.store.get(res('ServiceAccount'), ns, String(k.serviceaccount?.name ?? ''));
  if (!sa || sa.metadata.uid !== k.serviceaccount?.uid) return undefined;
  const extra: Record<string, string[]> = {};
  if (k.pod) {
    const pod = ctx.store.get(res('Pod'), ns, String(k.pod.name));
    if (!pod || pod.metadata.uid !== k.pod.uid) return undefined;
    extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
    extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
  }
  if (k.node) {
    extra['authentication.kubernetes.io/node-name'] = [k.node.name];
    extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
  }
  if (c.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
  return {
    username: `system:serviceaccount:${ns}:${sa.metadata.name}`, uid: sa.metadata.uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], extra,
  };
}

/** Who the Authorization header is: a user, or undefined for a credential the server rejects (401). */
export function authenticate(authorization: string | undefined, ctx: AuthContext): UserInfo | undefined {
  if (!authorization) return ANONYMOUS;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return undefined;
  if (m[1] === ctx.adminToken) return ADMIN;
  return authenticateServiceAccountToken(m[1], ctx);
}

function matchesSubject(s: O, user: UserInfo): boolean {
  if (s?.kind === 'User') return s.name === user.username;
  if (s?.kind === 'Group') return user.groups.includes(s.name);
  if (s?.kind === 'ServiceAccount') return user.username === `system:serviceaccount:${s.namespace}:${s.name}`;
  return false;
}

function has(list: unknown, v: string): boolean {
  return Array.isArray(list) && (list.includes('*') || list.includes(v));
}

function ruleAllows(rule: O, a: Attributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (a.path !== undefined) {
    return Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.some((u: string) => u === '*' || u === a.path || (u.endsWith('*') && a.path!.startsWith(u.slice(0, -1))));
  }
  if (!has(rule.apiGroups, a.apiGroup ?? '')) return false;
  const r = a.subresource ? `${a.resource}/${a.subresource}` : String(a.resource);
  const resources: string[] = Array.isArray(rule.resources) ? rule.resources : [];
  const resOk = resources.some((x) => x === '*' || x === r || (a.subresource && x === `*/${a.subresource}`) || (a.subresource && x === `${a.resource}/*`));
  if (!resOk) return false;
  const names: string[] = Array.isArray(rule.resourceNames) ? rule.resourceNames : [];
  return !names.length || (!!a.name && names.includes(a.name));
}

function roleRules(store: Store, ref: O, ns: string): O[] {
  const role = ref?.kind === 'Role' ? store.get(res('Role'), ns, ref.name) : store.get(res('ClusterRole'), '', ref?.name);
  return role?.rules ?? [];
}

/** Allowed, with RBAC's reason, or undefined when denied. */
export function authorize(user: UserInfo, a: Attributes, store: Store): string | undefined {
  if (user.groups.includes('system:masters')) return 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"';
  const bindings: [KObj, string][] = store.list(res('ClusterRoleBinding')).map((b) => [b, '']);
  if (a.namespace && a.path === undefined) for (const b of store.list(res('RoleBinding'), a.namespace)) bindings.push([b, a.namespace]);
  for (const [b, ns] of bindings) {
    const subject = (b.subjects ?? []).find((s: O) => matchesSubject(s, user));
    if (!subject) continue;
    if (roleRules(store, b.roleRef, ns).some((r) => ruleAllows(r, a))) {
      const where = ns ? `RoleBinding "${b.metadata.name}/${ns}"` : `ClusterRoleBinding "${b.metadata.name}"`;
      return `RBAC: allowed by ${where} of ${b.roleRef.kind} "${b.roleRef.name}" to ${subject.kind} "${subject.name}"`;
    }
  }
  return undefined;
}

/** `User "x" cannot get resource "pods" in API group "" in the namespace "ns"` (responsewriters.forbiddenMessage). */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (a.path !== undefined) return `User "${user.username}" cannot ${a.verb} path "${a.path}"`;
  const r = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user.username}" cannot ${a.verb} resource "${r}" in API group "${a.apiGroup ?? ''}" ${scope}`;
}

const BOOTSTRAP_META = { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } };
const group = (name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name });

/** The bootstrap ClusterRoles and ClusterRoleBindings the sandbox seeds (plugin/pkg/auth/authorizer/rbac/bootstrappolicy). */
export function bootstrapPolicy(): { roles: KObj[]; bindings: KObj[] } {
  const role = (name: string, rules: O[]): KObj => ({ metadata: { name, ...structuredClone(BOOTSTRAP_META) }, rules });
  const bind = (name: string, subjects: O[]): KObj => ({
    metadata: { name, ...structuredClone(BOOTSTRAP_META) }, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
  });
  const issuerPaths = ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'];
  const publicPaths = ['/healthz', '/livez', '/readyz', '/version', '/version/'];
  return {
    roles: [
      role('cluster-admin', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }]),
      role('system:basic-user', [
        { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
        { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
      ]),
      role('system:discovery', [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'] }]),
      role('system:public-info-viewer', [{ verbs: ['get'], nonResourceURLs: publicPaths }]),
      role('system:service-account-issuer-discovery', [{ verbs: ['get'], nonResourceURLs: issuerPaths }]),
    ],
    bindings: [
      bind('cluster-admin', [group('system:masters')]),
      bind('system:basic-user', [group('system:authenticated')]),
      bind('system:discovery', [group('system:authenticated')]),
      bind('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
      bind('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    ],
  };
}
