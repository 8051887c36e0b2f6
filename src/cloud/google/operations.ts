/**
 * Long-running operations, polled in ONE place. IAM and Service Usage often answer `done:true` at once (normal);
 * otherwise GET `v1/{name}` with backoff until done. IAM never fills `response` (gcloud's own poller says so), so
 * callers re-read the resource afterwards (research/gcp-api.md §1.3, §8).
 */
import { OperationError } from '../../core/errors.js';
import { sleep } from '../../core/retry.js';
import { GoogleApiError, type CallAbout } from './errors.js';
import type { GoogleApi, GoogleService } from './http.js';
import type { Operation, Status } from './types.js';

/** gRPC canonical code → [HTTP status, canonical name], to translate an operation's error like a call's. */
const GRPC: Record<number, [number, string]> = {
  3: [400, 'INVALID_ARGUMENT'], 5: [404, 'NOT_FOUND'], 6: [409, 'ALREADY_EXISTS'], 7: [403, 'PERMISSION_DENIED'],
  8: [429, 'RESOURCE_EXHAUSTED'], 9: [400, 'FAILED_PRECONDITION'], 10: [409, 'ABORTED'], 13: [500, 'INTERNAL'], 14: [503, 'UNAVAILABLE'], 16: [401, 'UNAUTHENTICATED'],
};

function operationError(s: Status, about: CallAbout): GoogleApiError {
  const [http, status] = GRPC[s.code ?? 13] ?? [500, 'UNKNOWN'];
  return new GoogleApiError(http, { code: http, status, message: s.message, details: s.details as never }, about);
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long (default 5 minutes). */
  timeoutMs?: number;
  /** First poll delay (default 50 ms; ×1.5 per poll, capped at 5 s). */
  firstDelayMs?: number;
  onPoll?: (elapsedMs: number) => void;
}

/** Wait for `op` to finish; throws the operation's error translated like a call's. Returns the finished operation. */
export async function waitOperation(api: GoogleApi, service: GoogleService, op: Operation, about: CallAbout, o: WaitOptions = {}): Promise<Operation> {
  const t0 = Date.now();
  // A short first delay: IAM operations often finish within a few hundred ms, and a few more cheap GETs on a
  // slow one cost less than sleeping through a finished one (each `wif init` waits on two; bench/RESULTS.md).
  let delay = o.firstDelayMs ?? 50;
  let cur = op;
  // `operations/noop.DONE_OPERATION` (already enabled) is synthetic and must not be polled.
  while (!cur.done) {
    if (!cur.name || cur.name.endsWith('noop.DONE_OPERATION')) break;
    const elapsed = Date.now() - t0;
    if (elapsed > (o.timeoutMs ?? 300_000)) {
      throw new OperationError(`gcp.${about.what}.operation-timeout`, `${about.resource}: the operation ${cur.name} did not finish in ${Math.round(elapsed / 1000)} s`, {
        hint: 'It may still finish: re-run the command later (it picks up what exists).',
      });
    }
    await sleep(delay, o.signal);
    delay = Math.min(5000, delay * 1.5);
    o.onPoll?.(Date.now() - t0);
    cur = await api.call<Operation>({ method: 'GET', service, path: `v1/${cur.name}`, about: { ...about, what: about.what }, retry: true });
  }
  if (cur.error) throw operationError(cur.error, about);
  return cur;
}
