import type { RequestLog } from './server.js';
import type { SbRequest, SbResponse, SbService } from './types.js';

/**
 * The control endpoints beside the Google API (SPEC §4), for tests and demos; loopback only, no auth:
 * - `GET  /_sandbox/requests[?since=SEQ][&service=NAME][&listener=NAME]`: every request served (JSON array)
 * - `POST /_sandbox/clusters/CONTEXT/rotate-keys[?keep-old=true]`: new signing key for that cluster
 * - `POST /_sandbox/reset`: all state back to initial, request log cleared
 * - `POST /_sandbox/services/NAME/disable` (or `/enable`): turn a Google API of the sandbox project off or on
 * - `GET  /_sandbox/info`: endpoints, project and clusters (nothing secret)
 * Control requests are not recorded in the request log, so polling it does not change it.
 */
export interface ControlDeps {
  log: RequestLog;
  /** Rotate a cluster's keys by context or key; false when no such cluster. */
  rotateKeys(context: string, keepOld: boolean): boolean;
  reset(): void;
  info(): object;
  setServiceEnabled?(service: string, enabled: boolean): void;
}

const PREFIX = '/_sandbox/';

export function createControlService(deps: ControlDeps): SbService {
  return {
    name: '_sandbox',
    handle(req) {
      if (!req.path.startsWith(PREFIX)) return undefined;
      // Only loopback names: a web page on another origin cannot reach these through DNS rebinding.
      const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
      if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
        return error(403, 'PERMISSION_DENIED', `The sandbox control endpoints answer only to 127.0.0.1 or localhost, not "${host}".`);
      }
      return dispatch(deps, req);
    },
  };
}

function dispatch(deps: ControlDeps, req: SbRequest): SbResponse {
  const p = req.path.slice(PREFIX.length).replace(/\/$/, '');
  const q = req.url.searchParams;
  if (p === 'requests') {
    if (req.method !== 'GET') return methodNotAllowed(req);
    const since = q.get('since');
    if (since !== null && !/^\d+$/.test(since)) return error(400, 'INVALID_ARGUMENT', `since must be a request seq number, got "${since}".`);
    return { status: 200, body: deps.log.list({
      since: since === null ? undefined : Number(since), service: q.get('service') ?? undefined, listener: q.get('listener') ?? undefined,
    }) };
  }
  if (p === 'reset') {
    if (req.method !== 'POST') return methodNotAllowed(req);
    deps.reset();
    return { status: 200, body: { reset: true } };
  }
  if (p === 'info') return req.method === 'GET' ? { status: 200, body: deps.info() } : methodNotAllowed(req);
  const svc = /^services\/([^/]+)\/(enable|disable)$/.exec(p);
  if (svc && deps.setServiceEnabled) {
    if (req.method !== 'POST') return methodNotAllowed(req);
    deps.setServiceEnabled(svc[1], svc[2] === 'enable');
    return { status: 200, body: { service: svc[1], enabled: svc[2] === 'enable' } };
  }
  const m = /^clusters\/([^/]+)\/rotate-keys$/.exec(p);
  if (m) {
    if (req.method !== 'POST') return methodNotAllowed(req);
    const keepOld = q.get('keep-old') === 'true';
    if (!deps.rotateKeys(m[1], keepOld)) {
      return error(404, 'NOT_FOUND', `No sandbox cluster "${m[1]}"; the contexts are self-hosted, eks, aks, gke.`);
    }
    return { status: 200, body: { cluster: m[1], rotated: true, keepOld } };
  }
  return error(404, 'NOT_FOUND', `Unknown control endpoint ${req.method} ${req.path}; see GET /_sandbox/info.`);
}

function methodNotAllowed(req: SbRequest): SbResponse {
  return error(405, 'INVALID_ARGUMENT', `${req.method} is not allowed on ${req.path}.`);
}

function error(code: number, status: string, message: string): SbResponse {
  return { status: code, body: { error: { code, message, status } } };
}
