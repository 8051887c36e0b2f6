/**
 * Request-only kinds: SelfSubjectAccessReview (`kubectl auth can-i`, evaluated by the same RBAC as every
 * request), SelfSubjectReview (`kubectl auth whoami`) and TokenReview (validates a token as the API
 * server's authenticator does). Each answers 201 and stores nothing.
 */
import type { SbResponse } from '../types.js';
import { authenticateServiceAccountToken, authorize, ADMIN, type UserInfo } from './auth.js';
import type { KubeContext } from './context.js';
import { errors, reply } from './status.js';

type O = Record<string, any>;

function selfSubjectAccessReview(ctx: KubeContext, user: UserInfo, body: O): object {
  const spec: O = body.spec ?? {};
  const ra: O | undefined = spec.resourceAttributes;
  const nra: O | undefined = spec.nonResourceAttributes;
  if (!ra && !nra) throw errors.badRequest('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const reason = ra
    ? authorize(user, { verb: String(ra.verb ?? ''), apiGroup: String(ra.group ?? ''), resource: String(ra.resource ?? ''), subresource: ra.subresource || undefined, namespace: ra.namespace || undefined, name: ra.name || undefined }, ctx.store)
    : authorize(user, { verb: String(nra!.verb ?? ''), path: String(nra!.path ?? '') }, ctx.store);
  return {
    kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec,
    status: reason ? { allowed: true, reason } : { allowed: false },
  };
}

function userInfo(u: UserInfo): O {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}

function tokenReview(ctx: KubeContext, body: O): object {
  const spec: O = body.spec ?? {};
  const token = String(spec.token ?? '');
  const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences : ctx.audiences;
  const user = token === ctx.adminToken ? ADMIN : authenticateServiceAccountToken(token, ctx, audiences);
  const tokenAud = ([] as unknown[]).concat(ctx.keys.verifyJwt(token)?.aud ?? []);
  const matched = token === ctx.adminToken ? audiences : audiences.filter((a) => tokenAud.includes(a));
  const status = user
    ? { authenticated: true, user: userInfo(user), audiences: matched }
    : { user: {}, error: '[invalid bearer token, service account token has been invalidated]' };
  return { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
}

/** POST of a review kind → 201. */
export function review(ctx: KubeContext, kind: string, user: UserInfo, body: unknown): SbResponse {
  const b: O = body && typeof body === 'object' ? (body as O) : {};
  if (kind === 'SelfSubjectAccessReview') return reply(201, selfSubjectAccessReview(ctx, user, b));
  if (kind === 'SelfSubjectReview') {
    return reply(201, { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: userInfo(user) } });
  }
  if (kind === 'TokenReview') return reply(201, tokenReview(ctx, b));
  throw errors.methodNotAllowed();
}
