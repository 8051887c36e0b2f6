import type { SbRequest, SbResponse } from './types.js';

/**
 * The error bodies the framework itself answers with (unknown paths, injected faults, a throwing service), in
 * each cloud's own shape: Google's `{"error":{code,message,status}}`, AWS restJson1 `x-amzn-errortype` +
 * `{"message"}`, ARM `{"error":{code,message}}` + `x-ms-error-code`, and the Kubernetes `Status` object.
 */

/** Which cloud's error bodies a listener speaks. */
export type ErrorShape = 'google' | 'aws' | 'azure' | 'kube';

/** A 5xx in the cloud's own shape (503 = the injected "unavailable" fault). */
export function failure(shape: ErrorShape, status: 500 | 503): SbResponse {
  const unavailable = status === 503;
  switch (shape) {
    case 'google':
      return { status, body: { error: unavailable
        ? { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' }
        : { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } } };
    case 'aws': {
      const type = unavailable ? 'ServiceUnavailableException' : 'ServerException';
      return { status, headers: { 'x-amzn-errortype': type }, body: { message: unavailable ? 'Service is unavailable. Please try again later.' : 'An internal error occurred.' } };
    }
    case 'azure': {
      const code = unavailable ? 'ServiceUnavailable' : 'InternalServerError';
      return { status, headers: { 'x-ms-error-code': code }, body: { error: { code, message: unavailable
        ? 'The server is currently unable to handle the request. Please retry.' : 'An internal server error occurred.' } } };
    }
    case 'kube':
      return { status, body: kubeStatus(status, unavailable ? 'ServiceUnavailable' : 'InternalError', unavailable ? 'the server is currently unable to handle the request' : 'an error on the server has prevented the request from succeeding') };
  }
}

/** The 404 a listener gives for a path no service knows, in its cloud's shape (names the method and path). */
export function notFound(shape: ErrorShape, req: Pick<SbRequest, 'method' | 'path'>): SbResponse {
  switch (shape) {
    case 'google':
      return { status: 404, body: { error: { code: 404, message: `Method not found: ${req.method} ${req.path}`, status: 'NOT_FOUND' } } };
    case 'aws':
      return { status: 404, headers: { 'x-amzn-errortype': 'UnknownOperationException' }, body: { message: `Unknown operation: ${req.method} ${req.path}` } };
    case 'azure':
      return { status: 404, headers: { 'x-ms-error-code': 'NotFound' }, body: { error: { code: 'NotFound', message: `No HTTP resource was found that matches the request URI '${req.path}'.` } } };
    case 'kube':
      return { status: 404, body: kubeStatus(404, 'NotFound', 'the server could not find the requested resource') };
  }
}

function kubeStatus(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details: {}, code };
}
