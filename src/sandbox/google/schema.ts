/**
 * A small proto3-JSON reader with ESF's error messages: request bodies and query parameters are checked
 * against the method's message schema, so a misspelled field or a wrong type is a 400 as at Google
 * (`Invalid JSON payload received. Unknown name "x" at 'pool': Cannot find field.`). Like ESF it accepts
 * both the camelCase JSON name and the snake_case proto name, and treats `null` as "unset".
 */
import { badRequest } from './http.js';

export type FieldType =
  | 'string'
  | 'bool'
  | 'int'
  | 'bytes'
  | 'duration'
  | 'any'
  | 'stringList'
  | 'stringMap'
  | { message: Schema }
  | { list: Schema };
export type Schema = { [camelName: string]: FieldType };

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const at = (path: string) => (path ? ` at '${path}'` : '');
const join = (path: string, name: string) => (path ? `${path}.${snake(name)}` : snake(name));

function invalid(path: string, type: string, v: unknown): never {
  const shown = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  throw badRequest(`Invalid value at '${path}' (${type}), ${shown}`, path);
}

/** Parse a JSON request body; an empty body is `{}`. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badRequest(`Invalid JSON payload received. Unexpected token.\n${text.slice(0, 40)}\n^`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest(`Invalid JSON payload received. Expected an object.`);
  }
  return v as Record<string, unknown>;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function readScalar(type: FieldType, v: unknown, path: string): unknown {
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : invalid(path, 'TYPE_STRING', v);
    case 'bool':
      return typeof v === 'boolean' ? v : invalid(path, 'TYPE_BOOL', v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
      return invalid(path, 'TYPE_INT32', v);
    case 'bytes':
      if (typeof v !== 'string') return invalid(path, 'TYPE_BYTES', v);
      if (!BASE64.test(v)) throw badRequest(`Invalid value at '${path}' (TYPE_BYTES), Base64 decoding failed for ${JSON.stringify(v)}`, path);
      return v;
    case 'duration':
      return readDuration(v, path);
    default:
      return v;
  }
}

/** A google.protobuf.Duration in JSON (`"3600s"`, `"1.5s"`) → seconds. */
export function readDuration(v: unknown, path: string): number {
  const type = 'type.googleapis.com/google.protobuf.Duration';
  const field = path.split('.').pop();
  if (typeof v !== 'string') throw badRequest(`Invalid value at '${path}' (${type}), ${JSON.stringify(v)}`, path);
  if (!v.endsWith('s')) throw badRequest(`Invalid value at '${path}' (${type}), Field '${field}', Illegal duration format; duration must end with 's'`, path);
  if (!/^-?\d+(\.\d{1,9})?s$/.test(v)) throw badRequest(`Invalid value at '${path}' (${type}), Field '${field}', Illegal duration format`, path);
  return Number(v.slice(0, -1));
}

function readValue(type: FieldType, v: unknown, path: string): unknown {
  if (typeof type === 'string') {
    if (type === 'stringList') {
      if (!Array.isArray(v)) return invalid(path, 'TYPE_STRING', v);
      return v.map((x) => readScalar('string', x, path));
    }
    if (type === 'stringMap') {
      if (typeof v !== 'object' || Array.isArray(v)) return invalid(path, 'TYPE_MESSAGE', v);
      return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, readScalar('string', x, `${path}[${k}]`)]));
    }
    return readScalar(type, v, path);
  }
  if ('message' in type) return readMessage(type.message, v, path);
  if (!Array.isArray(v)) return invalid(path, 'TYPE_MESSAGE', v);
  return v.map((x) => readMessage(type.list, x, path));
}

/**
 * Check `v` against `schema` and return it with camelCase keys and nulls dropped. `path` is the proto path
 * of the message in error texts (`workload_identity_pool`, or '' for a request whose body is `*`).
 */
export function readMessage(schema: Schema, v: unknown, path = ''): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return invalid(path || 'body', 'TYPE_MESSAGE', v);
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(v as object)) {
    const key = rawKey in schema ? rawKey : camel(rawKey);
    const type = schema[key];
    if (!type) throw badRequest(`Invalid JSON payload received. Unknown name ${JSON.stringify(rawKey)}${at(path)}: Cannot find field.`, path || undefined);
    if (value === null) continue;
    out[key] = readValue(type, value, join(path, key));
  }
  return out;
}

/** Query parameters every Google API accepts (ignored here). */
const SYSTEM_PARAMS = new Set(['alt', 'prettyPrint', '$.xgafv', 'fields', 'key', 'quotaUser', 'callback', 'upload_protocol', 'uploadType', 'access_token', 'oauth_token', 'userIp', 'trace']);

/**
 * Check the query string against the method's allowed parameters (dotted names for nested fields, as
 * `options.requestedPolicyVersion`); an unknown one is ESF's "Cannot bind query parameter" 400.
 */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const name of query.keys()) {
    if (SYSTEM_PARAMS.has(name) || allowed.includes(name) || allowed.includes(camel(name))) continue;
    throw badRequest(`Invalid JSON payload received. Unknown name ${JSON.stringify(name)}: Cannot bind query parameter. Field '${name}' could not be found in request message.`);
  }
}

/** A query parameter by its camelCase or snake_case name. */
export function queryParam(query: URLSearchParams, camelName: string): string | null {
  return query.get(camelName) ?? query.get(snake(camelName));
}

export function queryBool(query: URLSearchParams, camelName: string): boolean {
  const raw = queryParam(query, camelName);
  // Google's front end parses query booleans case-insensitively: gcloud (Python) sends `showDeleted=False`.
  const v = raw === null ? null : raw.toLowerCase();
  if (v === null || v === 'false') return false;
  if (v === 'true') return true;
  throw badRequest(`Invalid value at '${snake(camelName)}' (TYPE_BOOL), ${JSON.stringify(raw)}`, snake(camelName));
}

export function queryInt(query: URLSearchParams, camelName: string): number | undefined {
  const v = queryParam(query, camelName);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`Invalid value at '${snake(camelName)}' (TYPE_INT32), ${JSON.stringify(v)}`, snake(camelName));
  return Number(v);
}
