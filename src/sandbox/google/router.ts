/**
 * Routes of one Google API: match method + path, authenticate, require the API to be enabled in the
 * sandbox project, check query parameters, then run the handler. A `GoogleHttpError` becomes Google's error body;
 * anything else is a 500 INTERNAL (a sandbox bug, never a silent success).
 */
import type { SbRequest, SbResponse, SbService } from '../types.js';
import { authenticate } from './auth.js';
import { GoogleHttpError, serviceDisabled } from './http.js';
import { checkQuery } from './schema.js';
import type { GoogleState, TokenRec } from './state.js';

export interface Call {
  req: SbRequest;
  state: GoogleState;
  query: URLSearchParams;
  /** The path pattern's capture groups. */
  params: string[];
  /** The authenticated caller (routes with `auth: false` get a placeholder never to be used). */
  caller: TokenRec;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: RegExp;
  /** The RPC name Google reports in 401 details, e.g. `google.iam.admin.v1.IAM.CreateServiceAccount`. */
  rpc: string;
  /** Allowed (non-system) query parameters. */
  query?: readonly string[];
  /** false for unauthenticated endpoints (STS). */
  auth?: boolean;
  handle(c: Call): SbResponse | Promise<SbResponse>;
}

const NO_CALLER: TokenRec = { identity: { kind: 'user', member: 'allUsers' }, issued: new Date(0), scopes: [] };

/** Build an SbService named `name` serving `routes` for API `apiHost` (e.g. `iam.googleapis.com`). */
export function makeService(name: string, apiHost: string, state: GoogleState, routes: Route[]): SbService {
  return {
    name,
    async handle(req) {
      for (const route of routes) {
        if (route.method !== req.method) continue;
        const m = route.path.exec(req.path);
        if (m) return run(route, req, state, apiHost, m.slice(1));
      }
      return undefined;
    },
  };
}

async function run(route: Route, req: SbRequest, state: GoogleState, apiHost: string, params: string[]): Promise<SbResponse> {
  try {
    state.purgeExpired();
    const query = req.url.searchParams;
    // ESF order: credentials, then the API's enablement, then transcoding of the request.
    const caller = route.auth === false ? NO_CALLER : authenticate(state, req, apiHost, route.rpc);
    if (!state.serviceEnabled(apiHost)) throw serviceDisabled(apiHost, state.deps.project.number);
    checkQuery(query, route.query ?? []);
    return await route.handle({ req, state, query, params, caller });
  } catch (e) {
    if (e instanceof GoogleHttpError) return e.toResponse();
    const message = 'Internal error encountered.';
    return { status: 500, body: { error: { code: 500, message, status: 'INTERNAL' } }, headers: { 'x-sandbox-error': String((e as Error)?.message ?? e).replace(/[^\x20-\x7e]/g, ' ').slice(0, 200) } };
  }
}
