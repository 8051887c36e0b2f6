/**
 * Request parsing as the API server's RequestInfoFactory does it (resource vs non-resource paths, namespace,
 * name, subresource, verb), and request bodies in JSON, YAML or Kubernetes protobuf.
 */
import { parse as parseYaml } from 'yaml';
import type { SbRequest } from '../types.js';
import type { ResourceRequest } from './context.js';
import { decodeProtobuf, PROTOBUF_CT } from './protobuf.js';
import { findResource } from './resources.js';
import { errors, KubeStatusError } from './status.js';

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** True for paths under /api/v1/… or /apis/G/V/… that name a resource (not discovery documents). */
export function isResourcePath(path: string): boolean {
  return /^\/api\/v1\/[^/]/.test(path) || /^\/apis\/[^/]+\/[^/]+\/[^/]/.test(path);
}

function verbOf(method: string, name: string | undefined, url: URL): string {
  if (method === 'GET' || method === 'HEAD') {
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    return watch ? 'watch' : name ? 'get' : 'list';
  }
  if (method === 'POST') return 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  if (method === 'DELETE') return name ? 'delete' : 'deletecollection';
  return method.toLowerCase();
}

/** Parse a resource path; throws the API server's 404 for unknown group-versions or resources. */
export function parseResourceRequest(method: string, path: string, url: URL): ResourceRequest {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+?)\/?$/.exec(path);
  if (!m) throw errors.noResource();
  const group = m[2] ?? '';
  const version = m[1] ?? m[3];
  let parts = m[4].split('/');
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const [resource, name, subresource, ...extra] = parts;
  const def = findResource(group, version, resource);
  if (!def || extra.length) throw errors.noResource();
  if (def.kind === 'Namespace') namespace = '';
  if (!def.namespaced && def.kind !== 'Namespace' && namespace) throw errors.noResource();
  return { def, verb: verbOf(method, name, url), namespace, name: name || undefined, subresource: subresource || undefined };
}

/** The request body as a JSON value (undefined when empty); protobuf and YAML bodies are decoded. */
export function parseBody(req: SbRequest): unknown {
  if (!req.body.length) return undefined;
  const ct = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (ct === PROTOBUF_CT) {
    try {
      return decodeProtobuf(req.body);
    } catch (e) {
      throw new KubeStatusError(415, 'UnsupportedMediaType', `the body of the request could not be decoded as ${PROTOBUF_CT}: ${(e as Error).message}`);
    }
  }
  const text = req.body.toString('utf8');
  try {
    return ct.includes('yaml') ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the object provided is unrecognized: couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
}
