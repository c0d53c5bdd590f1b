import { type DraftIn, type DraftResult, DraftsOut, LIMITS } from '../../lib/shared/schema';

export interface PostProgress {
  done: number;
  total: number;
}

export interface PostOptions {
  /** Server base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  /** A pipeline or admin token. */
  token: string;
  drafts: readonly DraftIn[];
  /** Drafts per request (the API takes 1–500; default 100). */
  batchSize?: number;
  onProgress?: (p: PostProgress) => void;
  fetch?: typeof fetch;
}

/** A non-2xx answer from the server, with its error body. */
export class PostError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** Index of the first draft of the batch that failed. */
    readonly offset: number,
  ) {
    const msg =
      typeof body === 'object' && body && 'error' in body
        ? (body as { error: { message?: string } }).error.message
        : String(body);
    super(`server answered ${status}: ${msg}`);
  }
}

/**
 * Posts drafts to `POST /v1/drafts` in batches, in order, retrying a batch after a 429 (honouring
 * Retry-After). Safe to repeat: the server is idempotent on `externalId`.
 */
export async function postDrafts(opts: PostOptions): Promise<DraftResult[]> {
  const f = opts.fetch ?? fetch;
  const size = Math.min(Math.max(1, opts.batchSize ?? 100), LIMITS.draftsPerPost);
  const base = opts.url.replace(/\/+$/, '');
  const results: DraftResult[] = [];
  for (let i = 0; i < opts.drafts.length; i += size) {
    const batch = opts.drafts.slice(i, i + size);
    for (let attempt = 0; ; attempt++) {
      const res = await f(`${base}/v1/drafts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ drafts: batch }),
      });
      if (res.status === 429 && attempt < 5) {
        const wait = Number(res.headers.get('retry-after')) || 1;
        await new Promise((r) => setTimeout(r, wait * 1000));
        continue;
      }
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      if (!res.ok) throw new PostError(res.status, body, i);
      results.push(...DraftsOut.parse(body).results);
      break;
    }
    opts.onProgress?.({ done: Math.min(i + size, opts.drafts.length), total: opts.drafts.length });
  }
  return results;
}

/** Counts of results by route, e.g. `{ auto: 12, review: 40, manual: 8 }`. */
export function summarizeRoutes(results: readonly DraftResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[r.route] = (out[r.route] ?? 0) + 1;
  return out;
}
