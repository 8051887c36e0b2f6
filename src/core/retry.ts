/**
 * Bounded exponential backoff with full jitter, for transient faults only (429, 5xx, connection resets).
 * The caller says what is retryable; nothing here knows about HTTP.
 */
export interface RetryOptions {
  /** Attempts in total, including the first. */
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  retryable: (err: unknown) => boolean;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseMs ?? 200;
  const max = opts.maxMs ?? 5000;
  const random = opts.random ?? Math.random;
  const wait = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || !opts.retryable(err) || opts.signal?.aborted) throw err;
      const delay = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)));
      opts.onRetry?.(err, attempt, delay);
      await wait(delay, opts.signal);
    }
  }
}
