import { ApiError, createApiClient } from '../../lib/shared/api-client';
import {
  type DraftIn,
  DraftIn as DraftInSchema,
  type DraftResult,
  type DraftsPage,
  type DraftWithDecisions,
  LIMITS,
  OPEN_STATUSES,
  type Outcome,
} from '../../lib/shared/schema';

export { ApiError } from '../../lib/shared/api-client';

export interface RetryOptions {
  /** Further attempts after the first (default 5). */
  retries?: number;
  /** First backoff delay (default 500 ms), doubled each time, with jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface CountersignOptions {
  /** The server, e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  /** A `pipeline` (or admin) token: `npm run -s cli -- tokens create --user pipeline --role pipeline`. */
  token: string;
  /** Per-request timeout for ordinary calls (default 15 s); long polls add their wait to it. */
  timeoutMs?: number;
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Give up after this long (default: never); then `waitForDecision` throws a `DecisionTimeoutError`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Seconds each long poll waits on the server (1–60, default 60). */
  pollSeconds?: number;
}

/** `waitForDecision` ran out of time; `draft` is the draft as last read (still waiting for a person). */
export class DecisionTimeoutError extends Error {
  constructor(readonly draft: DraftWithDecisions) {
    super(`draft ${draft.id} is still ${draft.status}`);
    this.name = 'DecisionTimeoutError';
  }
}

/** Still waiting for a person (pending, awaiting a second approval, escalated). */
export function isWaiting(draft: Pick<DraftWithDecisions, 'status'>): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(draft.status);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The pipeline's client. Every answer is parsed with the server's own zod schemas (lib/shared);
 * calls are retried with exponential backoff on 429, 5xx and network errors, waiting at least as
 * long as the server's `Retry-After`. Calls that are not idempotent (`recordOutcome`) are retried
 * only when the server refused them before doing anything (429, 503).
 */
export class Countersign {
  private readonly api: ReturnType<typeof createApiClient>;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;

  constructor(options: CountersignOptions) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.api = createApiClient({
      baseUrl: options.baseUrl,
      token: options.token,
      timeoutMs: this.timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.retry = {
      retries: options.retry?.retries ?? 5,
      baseDelayMs: options.retry?.baseDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    };
  }

  /** Runs `call` again on a retryable failure (see the class comment). */
  private async withRetry<T>(call: () => Promise<T>, idempotent: boolean, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        if (!(e instanceof ApiError) || !e.retryable || attempt >= this.retry.retries) throw e;
        if (!idempotent && !(e.status === 429 || e.status === 503)) throw e;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
        const jittered = backoff / 2 + Math.random() * (backoff / 2);
        await sleep(Math.max(jittered, e.retryAfterMs ?? 0), signal);
      }
    }
  }

  /**
   * Submits drafts (in batches of 500). Idempotent by `externalId`: sending the same drafts again,
   * after a timeout or a crash, creates nothing new and returns the original results. Results in
   * input order; `conflict: true` on one whose externalId was already used for other content.
   */
  async submitDrafts(drafts: DraftIn[], opts: { signal?: AbortSignal } = {}): Promise<DraftResult[]> {
    const parsed = drafts.map((d) => DraftInSchema.parse(d));
    const out: DraftResult[] = [];
    for (let i = 0; i < parsed.length; i += LIMITS.draftsPerPost) {
      const batch = parsed.slice(i, i + LIMITS.draftsPerPost);
      const { results } = await this.withRetry(
        () => this.api.call('postDrafts', { body: { drafts: batch }, ...(opts.signal ? { signal: opts.signal } : {}) }),
        true,
        opts.signal,
      );
      out.push(...results);
    }
    return out;
  }

  async submitDraft(draft: DraftIn, opts: { signal?: AbortSignal } = {}): Promise<DraftResult> {
    const [r] = await this.submitDrafts([draft], opts);
    return r!;
  }

  /** A draft with its decisions; with `wait` (1–60 s) the server answers as soon as it is decided. */
  getDraft(id: string, opts: { wait?: number; signal?: AbortSignal } = {}): Promise<DraftWithDecisions> {
    const wait = opts.wait === undefined ? undefined : Math.min(60, Math.max(1, Math.round(opts.wait)));
    return this.withRetry(
      () =>
        this.api.call('getDraft', {
          params: { id },
          ...(wait ? { query: { wait }, timeoutMs: this.timeoutMs + wait * 1000 } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
        }),
      true,
      opts.signal,
    );
  }

  /**
   * Resolves with the draft once a person (or the server: expiry) settled it — approved (send
   * `final`), rejected, expired… Long polls of up to 60 s each; a dropped connection or a server
   * restart is retried with backoff and the wait goes on.
   */
  async waitForDecision(id: string, opts: WaitOptions = {}): Promise<DraftWithDecisions> {
    const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeoutMs;
    const poll = Math.min(60, Math.max(1, opts.pollSeconds ?? 60));
    let failures = 0;
    let last: DraftWithDecisions | undefined;
    for (;;) {
      const left = deadline - Date.now();
      try {
        last = await this.api.call('getDraft', {
          params: { id },
          query: { wait: Math.max(1, Math.min(poll, Math.ceil(left / 1000))) },
          timeoutMs: this.timeoutMs + poll * 1000,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        failures = 0;
        if (!isWaiting(last)) return last;
      } catch (e) {
        if (opts.signal?.aborted) throw e;
        if (!(e instanceof ApiError) || !e.retryable) throw e;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.min(failures++, 10));
        await sleep(Math.max(backoff, e.retryAfterMs ?? 0), opts.signal);
      }
      if (Date.now() >= deadline) {
        last ??= await this.getDraft(id, opts.signal ? { signal: opts.signal } : {});
        if (!isWaiting(last)) return last;
        throw new DecisionTimeoutError(last);
      }
    }
  }

  /** Drafts changed since a cursor (or an ISO time), e.g. `{ status: 'approved,rejected' }`. */
  listDrafts(query: { status?: string; since?: string; limit?: number; workflow?: string } = {}): Promise<DraftsPage> {
    return this.withRetry(() => this.api.call('listDrafts', { query }), true);
  }

  /** What was learned later about drafts (a customer replied badly, QA found an error…). */
  async recordOutcome(outcomes: Outcome | Outcome[]): Promise<Array<{ draftId: string; status: string }>> {
    const list = Array.isArray(outcomes) ? outcomes : [outcomes];
    const { results } = await this.withRetry(() => this.api.call('outcomes', { body: { outcomes: list } }), false);
    return results;
  }
}
