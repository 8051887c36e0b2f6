/**
 * One request through the simulated kube-apiserver: authenticate (401), parse, authorize with RBAC (403), then
 * the non-resource documents (version, health, OIDC discovery, API discovery, OpenAPI) or the resource handlers.
 */
import type { SbRequest, SbResponse } from '../types.js';
import { authenticate, authorize, forbiddenMessage, type UserInfo } from './auth.js';
import type { KubeContext, ResourceRequest } from './context.js';
import { create, get, patch, remove, removeCollection, replace } from './crud.js';
import * as disc from './discovery.js';
import { isResourcePath, parseBody, parseResourceRequest } from './request.js';
import { review } from './reviews.js';
import { errors, KubeStatusError, reply } from './status.js';
import { tokenRequest } from './token.js';
import { watch } from './watch.js';

/** The OIDC discovery document and JWKS exactly as this cluster serves them. */
export function issuerDocuments(ctx: KubeContext): { configuration: object; jwks: { keys: object[] } } {
  return {
    configuration: {
      issuer: ctx.issuer, jwks_uri: `${ctx.deps.baseUrl()}/openid/v1/jwks`, response_types_supported: ['id_token'],
      subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
    },
    jwks: { keys: ctx.keys.verifying().map((k) => ({ ...k.jwk })) },
  };
}

function text(status: number, body: string): SbResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body };
}

function ok(body: object | undefined): SbResponse | undefined {
  return body && reply(200, body);
}

function discovery(ctx: KubeContext, path: string, accept: string | undefined): SbResponse | undefined {
  const aggregated = disc.wantsAggregated(accept);
  const vary = { vary: 'Accept' };
  if (path === '/api' || path === '/apis') {
    if (aggregated) return reply(200, disc.aggregatedDiscovery(path === '/api'), disc.AGGREGATED_CT, vary);
    return reply(200, path === '/api' ? disc.legacyApiVersions(new URL(ctx.deps.baseUrl()).host) : disc.legacyGroupList(), 'application/json', vary);
  }
  if (path === '/api/v1') return reply(200, disc.legacyResourceList('', 'v1'));
  let m = /^\/apis\/([^/]+)$/.exec(path);
  if (m) return ok(disc.legacyGroup(m[1]));
  m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) return ok(disc.legacyResourceList(m[1], m[2]));
  return undefined;
}

function openapi(ctx: KubeContext, path: string, url: URL, accept: string | undefined): SbResponse | undefined {
  const gv = ctx.spec.gitVersion;
  if (path === '/openapi/v3' || path === '/openapi/v3/') return reply(200, disc.openapiRoot(gv));
  if (path === '/openapi/v2') {
    const v2 = disc.openapiV2(gv, accept);
    return Buffer.isBuffer(v2.body) ? { status: 200, headers: { 'content-type': v2.contentType, 'cache-control': 'no-cache, private' }, body: v2.body } : reply(200, v2.body);
  }
  const m = /^\/openapi\/v3\/(.+)$/.exec(path);
  const doc = m ? disc.openapiDocument(m[1], gv) : undefined;
  if (!doc) return undefined;
  const immutable = url.searchParams.get('hash') === disc.openapiHash(m![1], gv);
  return reply(200, doc, 'application/json', immutable ? { 'cache-control': 'public, immutable', etag: `"${url.searchParams.get('hash')}"` } : {});
}

function nonResource(ctx: KubeContext, req: SbRequest, path: string): SbResponse {
  const p = path.length > 1 ? path.replace(/\/$/, '') : path;
  if (p === '/version') return reply(200, disc.versionInfo(ctx.spec.gitVersion));
  if (['/healthz', '/livez', '/readyz'].includes(p)) return text(200, 'ok');
  const docs = () => issuerDocuments(ctx);
  const cache = { 'cache-control': 'public, max-age=3600' };
  if (p === '/.well-known/openid-configuration') return reply(200, docs().configuration, 'application/json', cache);
  if (p === '/openid/v1/jwks') return reply(200, docs().jwks, 'application/jwk-set+json', cache);
  const found = req.method === 'GET' ? (discovery(ctx, p, req.headers.accept) ?? openapi(ctx, p, req.url, req.headers.accept)) : undefined;
  if (found) return found;
  if (p === '/api' || p.startsWith('/api/') || p === '/apis' || p.startsWith('/apis/')) throw errors.noResource();
  return text(404, '404 page not found\n');
}

function checkAccess(ctx: KubeContext, user: UserInfo, r: ResourceRequest): void {
  const attrs = { verb: r.verb, apiGroup: r.def.group, resource: r.def.resource, subresource: r.subresource, namespace: r.namespace || undefined, name: r.name };
  if (!authorize(user, attrs, ctx.store)) throw errors.forbidden(r.def, r.name, forbiddenMessage(user, attrs));
}

function resource(ctx: KubeContext, req: SbRequest, r: ResourceRequest, user: UserInfo): SbResponse | Promise<SbResponse> {
  if (!r.def.verbs.includes(r.verb) && !r.subresource) throw errors.methodNotAllowed(r.def);
  if (r.subresource) return subresource(ctx, req, r);
  if (r.def.virtual) return review(ctx, r.def.kind, user, parseBody(req));
  switch (r.verb) {
    case 'get': case 'list': return get(ctx, r, req.url, req.headers.accept);
    case 'create': if (r.name) throw errors.methodNotAllowed(r.def); return create(ctx, r, parseBody(req), req.url);
    case 'update': return replace(ctx, r, parseBody(req), req.url);
    case 'patch': return patch(ctx, r, parseBody(req), String(req.headers['content-type'] ?? ''), req.url);
    case 'delete': return remove(ctx, r, req.url);
    case 'deletecollection': return removeCollection(ctx, r, req.url);
    case 'watch': return watch(ctx, r, req.url);
    default: throw errors.methodNotAllowed(r.def);
  }
}

function subresource(ctx: KubeContext, req: SbRequest, r: ResourceRequest): SbResponse {
  const sub = (r.def.subresources ?? []).find((s) => s.name === r.subresource);
  if (!sub || !r.name) throw errors.noResource();
  if (r.def.kind === 'ServiceAccount' && sub.name === 'token' && r.verb === 'create') return reply(201, tokenRequest(ctx, r.namespace, r.name, parseBody(req) as object));
  if (sub.name === 'exec') throw errors.badRequest('Upgrade request required');
  if (sub.name === 'status' && ['get', 'update', 'patch'].includes(r.verb)) {
    if (r.verb === 'get') return get(ctx, r, req.url);
    return r.verb === 'update' ? replace(ctx, r, parseBody(req), req.url) : patch(ctx, r, parseBody(req), String(req.headers['content-type'] ?? ''), req.url);
  }
  throw errors.methodNotAllowed(r.def);
}

/** Authenticate, authorize and serve one request; every failure is a metav1.Status (or text 404 off the API). */
export async function route(ctx: KubeContext, req: SbRequest): Promise<SbResponse> {
  try {
    await ctx.keys.ready();
    const user = authenticate(req.headers.authorization, ctx);
    if (!user) throw errors.unauthorized();
    const path = req.path || req.url.pathname;
    if (!isResourcePath(path)) {
      const verb = req.method === 'HEAD' ? 'get' : req.method.toLowerCase();
      if (!authorize(user, { verb, path }, ctx.store)) throw errors.forbiddenPath(forbiddenMessage(user, { verb, path }));
      return nonResource(ctx, req, path);
    }
    const r = parseResourceRequest(req.method, path, req.url);
    checkAccess(ctx, user, r);
    return await resource(ctx, req, r, user);
  } catch (e) {
    if (e instanceof KubeStatusError) return e.toResponse();
    return errors.internal((e as Error).message).toResponse();
  }
}
