import type { MiddlewareHandler } from 'hono';
import { sql } from 'kysely';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import type { Store } from '../store';

/**
 * The per-token rate limit shared by every instance on one database (issue 15): a fixed window per
 * token counted in `rate_limits` with one upsert per request (`insert … on conflict do update …
 * returning`), so a client spread over instances by a load balancer gets the same budget as on one.
 * Used on PostgreSQL (several instances); SQLite runs one instance and keeps the in-memory limit.
 */
export function sharedRateLimit(
  store: Store,
  { limit, windowMs }: { limit: number; windowMs: number },
  now: () => number = Date.now,
): MiddlewareHandler<AppEnv> {
  let lastSweep = 0;
  return async (c, next) => {
    const user = c.get('user');
    if (!user) return next();
    const t = now();
    const start = Math.floor(t / windowMs) * windowMs;
    const r = await sql<{ count: number }>`
      insert into rate_limits (key, window_start, count) values (${user.tokenId}, ${start}, 1)
      on conflict (key) do update set
        count = case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end,
        window_start = excluded.window_start
      returning count`.execute(store.db);
    const count = Number(r.rows[0]?.count ?? 0);
    // Old windows are dropped now and then (any instance; harmless if two do it).
    if (t - lastSweep > 10 * windowMs) {
      lastSweep = t;
      void store.db
        .deleteFrom('rate_limits')
        .where('window_start', '<', start - windowMs)
        .execute()
        .catch(() => {});
    }
    if (count > limit) {
      const retry = Math.max(1, Math.ceil((start + windowMs - t) / 1000));
      throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${retry} s`, undefined, {
        'Retry-After': String(retry),
      });
    }
    await next();
  };
}
