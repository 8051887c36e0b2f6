/**
 * Bearer authentication and permission checks. Every management call needs a bearer token the sandbox
 * issued (the owner token, a federated token from STS, or a service-account token from IAM Credentials);
 * a token carries only the permissions its identity's bindings grant (roles.ts). Conditional bindings
 * grant nothing here (the sandbox does not evaluate IAM conditions): a conservative simplification.
 */
import type { SbRequest } from '../types.js';
import { unauthenticated } from './http.js';
import { permissionsOf, type Permission } from './roles.js';
import type { GoogleState, Identity, PolicyRec, TokenRec } from './state.js';

const IAM = 'iam.googleapis.com';

/** The bearer token of a request (Authorization header, or ESF's `access_token` query parameter). */
export function bearerOf(req: SbRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1] ?? req.url.searchParams.get('access_token') ?? undefined;
}

/** The token record of the caller, or Google's 401 (`CREDENTIALS_MISSING`, `ACCESS_TOKEN_EXPIRED`, …). */
export function authenticate(state: GoogleState, req: SbRequest, service: string, rpc: string): TokenRec {
  const token = bearerOf(req);
  if (!token) throw unauthenticated('CREDENTIALS_MISSING', service, rpc);
  const rec = state.tokens.get(token);
  if (!rec) throw unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED', service, rpc);
  if (rec.expires && rec.expires.getTime() <= state.now().getTime()) throw unauthenticated('ACCESS_TOKEN_EXPIRED', service, rpc);
  return rec;
}

/** `…/projects/NUMBER/locations/global/workloadIdentityPools/POOL` after `principal://` or `principalSet://`. */
export function poolPath(projectNumber: string, poolId: string): string {
  return `${IAM}/projects/${projectNumber}/locations/global/workloadIdentityPools/${poolId}`;
}

function federatedMembers(state: GoogleState, id: Extract<Identity, { kind: 'federated' }>): string[] {
  const pool = state.pools.get(id.poolId);
  const gkePool = `${state.deps.project.id}.svc.id.goog`;
  // A disabled or deleted pool's tokens "do not grant access to resources" (IAM v1 docs): match nothing.
  if (id.poolId !== gkePool && (!pool || pool.disabled || pool.state !== 'ACTIVE')) return [];
  const set = `principalSet://${poolPath(state.deps.project.number, id.poolId)}`;
  const out = [id.principal, `${set}/*`, 'allAuthenticatedUsers', ...id.extraMembers];
  for (const g of id.groups) out.push(`${set}/group/${g}`);
  for (const [k, v] of Object.entries(id.attributes)) for (const x of Array.isArray(v) ? v : [v]) out.push(`${set}/attribute.${k}/${x}`);
  return out;
}

/** Every member string (as written in policies) that `identity` matches. */
export function membersOf(state: GoogleState, identity: Identity): Set<string> {
  let list: string[];
  if (identity.kind === 'user') list = [identity.member, 'allAuthenticatedUsers'];
  else if (identity.kind === 'serviceAccount') list = [`serviceAccount:${identity.email}`, 'allAuthenticatedUsers'];
  else list = federatedMembers(state, identity);
  return new Set([...list, 'allUsers'].map(normalizeMember));
}

/** Email-type members compare case-insensitively. */
export function normalizeMember(m: string): string {
  return /^(user|serviceAccount|group):/.test(m) ? m.toLowerCase() : m;
}

/** Roles `identity` holds through the unconditional bindings of `policies`. */
export function rolesOf(state: GoogleState, identity: Identity, policies: PolicyRec[]): Set<string> {
  const mine = membersOf(state, identity);
  const roles = new Set<string>();
  for (const p of policies) {
    for (const b of p.bindings) if (!b.condition && b.members.some((m) => mine.has(normalizeMember(m)))) roles.add(b.role);
  }
  return roles;
}

/**
 * Whether the caller holds `permission` on the sandbox project (or on a service account: pass its policy,
 * which is checked together with the project's, as IAM inherits project bindings).
 */
export function hasPermission(state: GoogleState, caller: TokenRec, permission: Permission, resourcePolicy?: PolicyRec): boolean {
  const policies = resourcePolicy ? [state.projectPolicy, resourcePolicy] : [state.projectPolicy];
  for (const role of rolesOf(state, caller.identity, policies)) if (permissionsOf(role).includes(permission)) return true;
  return false;
}
