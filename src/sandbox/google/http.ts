/**
 * Google's HTTP error shapes for the sandbox (research/gcp-api.md §1.6, §3.3): the ESF JSON envelope
 * `{"error":{"code","message","status","details"?}}` for REST APIs and the OAuth body
 * `{"error","error_description"}` for STS. Handlers throw `GoogleHttpError`; the router turns it into a response.
 */
import type { SbResponse } from '../types.js';
import { SERVICE_TITLES } from './service-titles.js';

const CANONICAL: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** An error answered with Google's JSON envelope (or, when `raw` is set, exactly that body). */
export class GoogleHttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status: string = CANONICAL[code] ?? 'UNKNOWN',
    readonly details?: object[],
    readonly extra?: { errors?: object[]; headers?: Record<string, string>; raw?: object },
  ) {
    super(message);
  }

  toResponse(): SbResponse {
    if (this.extra?.raw) return { status: this.code, headers: this.extra.headers, body: this.extra.raw };
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.extra?.errors) error.errors = this.extra.errors;
    error.status = this.status;
    if (this.details?.length) error.details = this.details;
    return { status: this.code, headers: this.extra?.headers, body: { error } };
  }
}

/** An OAuth 2.0 error as STS answers it: HTTP 400 (or `status`) with `{"error","error_description"}`. */
export function oauthError(error: string, description: string, status = 400): GoogleHttpError {
  return new GoogleHttpError(status, description, error, undefined, { raw: { error, error_description: description } });
}

export function badRequest(message: string, field?: string): GoogleHttpError {
  const details = field ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field, description: message }] }] : undefined;
  return new GoogleHttpError(400, message, 'INVALID_ARGUMENT', details);
}

export function failedPrecondition(message: string): GoogleHttpError {
  return new GoogleHttpError(400, message, 'FAILED_PRECONDITION');
}

export function notFound(message = 'Requested entity was not found.'): GoogleHttpError {
  return new GoogleHttpError(404, message, 'NOT_FOUND');
}

export function alreadyExists(message = 'Requested entity already exists'): GoogleHttpError {
  return new GoogleHttpError(409, message, 'ALREADY_EXISTS');
}

/**
 * The IAM-style permission error (research §4.1, §1.6): `Permission 'P' denied on resource[ 'R'] (or it may
 * not exist).` with an ErrorInfo detail `IAM_PERMISSION_DENIED`.
 */
export function iamPermissionDenied(permission: string, resource?: string, domain = 'iam.googleapis.com'): GoogleHttpError {
  const on = resource ? `resource '${resource}'` : 'resource';
  return new GoogleHttpError(403, `Permission '${permission}' denied on ${on} (or it may not exist).`, 'PERMISSION_DENIED', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain, metadata: { permission } },
  ]);
}

const AUTH_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** Google's 401 for a missing (`CREDENTIALS_MISSING`) or unusable (`ACCESS_TOKEN_EXPIRED`, …) bearer token. */
export function unauthenticated(reason: string, service: string, method: string): GoogleHttpError {
  const message = reason === 'CREDENTIALS_MISSING'
    ? `Request is missing required authentication credential. ${AUTH_HINT}`
    : `Request had invalid authentication credentials. ${AUTH_HINT}`;
  return new GoogleHttpError(401, message, 'UNAUTHENTICATED', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: { service, method } },
  ], { headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' } });
}

/**
 * 403 SERVICE_DISABLED, as Google answers a call to an API that is not enabled in the consumer project.
 * [UNVERIFIED in research §8; the wording is Google's well-known one.]
 */
export function serviceDisabled(service: string, projectNumber: string): GoogleHttpError {
  const title = SERVICE_TITLES[service] ?? service;
  const url = `https://console.developers.google.com/apis/api/${service}/overview?project=${projectNumber}`;
  const message = `${title} has not been used in project ${projectNumber} before or it is disabled. Enable it by visiting ${url} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`;
  return new GoogleHttpError(403, message, 'PERMISSION_DENIED', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'SERVICE_DISABLED',
      domain: 'googleapis.com',
      metadata: { service, consumer: `projects/${projectNumber}`, activationUrl: url, serviceTitle: title, containerInfo: projectNumber },
    },
  ]);
}

export function json(status: number, body: object): SbResponse {
  return { status, body };
}

/** RFC 3339 UTC without fractional seconds, as Google's timestamps (`2030-01-01T00:00:00Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
