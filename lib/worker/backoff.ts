/**
 * Exponential backoff with full jitter (issue 3 §5; "Exponential Backoff And Jitter", AWS
 * Architecture Blog): the delay is uniform in [0, min(cap, base · 2^failures)], so many browsers
 * that lost the same server do not come back in lock-step. A server's `Retry-After` wins when given.
 */
export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** Longest Retry-After honoured: a misconfigured server must not park sync for a day. */
  maxRetryAfterMs?: number;
  random?: () => number;
}

export const BACKOFF_BASE_MS = 1_000;
/** Two minutes: the 30 s alarm keeps trying on its own schedule, so a longer cap buys nothing. */
export const BACKOFF_CAP_MS = 120_000;

export function backoffDelay(failures: number, retryAfterMs?: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? BACKOFF_BASE_MS;
  const cap = opts.capMs ?? BACKOFF_CAP_MS;
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    return Math.min(retryAfterMs, opts.maxRetryAfterMs ?? 10 * 60_000);
  }
  const exp = Math.min(cap, base * 2 ** Math.max(0, Math.min(failures, 30)));
  return Math.floor((opts.random ?? Math.random)() * exp);
}
