/**
 * Responses and metav1.Status errors worded as k8s.io/apimachinery/pkg/api/errors words them, so kubectl prints
 * exactly what it prints against a real cluster (`Error from server (NotFound): configmaps "x" not found`).
 */
import { randomUUID } from 'node:crypto';
import type { SbResponse } from '../types.js';
import { qualifiedKind, qualifiedResource, type ResourceDef } from './resources.js';

/** A JSON response with kube-apiserver's standard headers. */
export function reply(status: number, body: unknown, contentType = 'application/json', extra: Record<string, string> = {}): SbResponse {
  return {
    status,
    headers: { 'audit-id': randomUUID(), 'cache-control': 'no-cache, private', 'content-type': contentType, ...extra },
    body: JSON.stringify(body),
  };
}

/** Thrown inside handlers; the router turns it into the Status response. */
export class KubeStatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: object) {
    super(message);
  }
  toResponse(): SbResponse {
    const body: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason };
    if (this.details) body.details = this.details;
    body.code = this.code;
    return reply(this.code, body);
  }
}

function details(def: ResourceDef, name?: string): object {
  return { ...(name !== undefined ? { name } : {}), ...(def.group ? { group: def.group } : {}), kind: def.resource };
}

export const errors = {
  notFound: (def: ResourceDef, name: string) =>
    new KubeStatusError(404, 'NotFound', `${qualifiedResource(def)} "${name}" not found`, details(def, name)),
  /** An unknown path under /api or /apis. */
  noResource: () => new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (def: ResourceDef, name: string) =>
    new KubeStatusError(409, 'AlreadyExists', `${qualifiedResource(def)} "${name}" already exists`, details(def, name)),
  conflict: (def: ResourceDef, name: string, why: string) =>
    new KubeStatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(def)} "${name}": ${why}`, details(def, name)),
  forbidden: (def: ResourceDef, name: string | undefined, why: string) =>
    new KubeStatusError(403, 'Forbidden', `${qualifiedResource(def)}${name ? ` "${name}"` : ''} is forbidden: ${why}`, details(def, name)),
  forbiddenPath: (why: string) => new KubeStatusError(403, 'Forbidden', `forbidden: ${why}`, {}),
  badRequest: (message: string) => new KubeStatusError(400, 'BadRequest', message),
  methodNotAllowed: (def?: ResourceDef) =>
    new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', def ? details(def) : {}),
  unsupportedMediaType: (accepted: string[]) =>
    new KubeStatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`),
  unauthorized: () => new KubeStatusError(401, 'Unauthorized', 'Unauthorized'),
  internal: (message: string) =>
    new KubeStatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
};

/** One field.Error (k8s.io/apimachinery/pkg/util/validation/field). */
export interface FieldError {
  type: 'Invalid' | 'Required' | 'NotFound' | 'NotSupported' | 'Forbidden' | 'Duplicate' | 'TooLong';
  field: string;
  value?: unknown;
  detail?: string;
}

const CAUSE_REASON: Record<FieldError['type'], string> = {
  Invalid: 'FieldValueInvalid', Required: 'FieldValueRequired', NotFound: 'FieldValueNotFound', NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden', Duplicate: 'FieldValueDuplicate', TooLong: 'FieldValueTooLong',
};
const TYPE_TEXT: Record<FieldError['type'], string> = {
  Invalid: 'Invalid value', Required: 'Required value', NotFound: 'Not found', NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden', Duplicate: 'Duplicate value', TooLong: 'Too long',
};

function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return `map[string]string{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** `Invalid value: "x": detail` — field.Error.ErrorBody(). */
function errorBody(e: FieldError): string {
  const hasValue = e.type === 'Invalid' || e.type === 'NotFound' || e.type === 'NotSupported' || e.type === 'Duplicate';
  let s = TYPE_TEXT[e.type];
  if (hasValue) s += `: ${goValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** 422 Invalid: `Kind.group "name" is invalid: field: Invalid value: …` ([a, b] when several). */
export function invalid(def: { group: string; kind: string }, name: string, errs: FieldError[]): KubeStatusError {
  const lines = errs.map((e) => `${e.field}: ${errorBody(e)}`);
  const list = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const kindName = qualifiedKind(def as ResourceDef);
  return new KubeStatusError(422, 'Invalid', `${kindName} "${name}" is invalid: ${list}`, {
    name, ...(def.group ? { group: def.group } : {}), kind: def.kind,
    causes: errs.map((e) => ({ reason: CAUSE_REASON[e.type], message: errorBody(e), field: e.field })),
  });
}
