import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import type { Store } from '../store';
import { lookupToken } from '../tokens';

const BEARER = /^Bearer\s+(\S{1,512})$/i;

/**
 * Bearer-token auth: sets `user` for the routes, or refuses with 401 (no token, unknown or revoked
 * token). Paths in `publicPaths` (the health check) pass without a token.
 */
export function authenticate(
  store: Store,
  opts: {
    publicPaths?: readonly string[];
    /** Failed authentications allowed per client address and window; then 429 until it ends. */
    failures?: { limit: number; windowMs: number };
    now?: () => number;
  } = {},
): MiddlewareHandler<AppEnv> {
  const open = new Set(opts.publicPaths ?? []);
  const { limit, windowMs } = opts.failures ?? { limit: 20, windowMs: 60_000 };
  const now = opts.now ?? Date.now;
  // Per client address: failures in the current window. Guessing tokens costs a window per `limit`
  // guesses; while an address is over its budget, not even a right token is looked at.
  const failures = new Map<string, { count: number; resetAt: number }>();
  const refuseIfOver = (address: string, t: number) => {
    const w = failures.get(address);
    if (!w || w.resetAt <= t || w.count < limit) return;
    const retry = Math.max(1, Math.ceil((w.resetAt - t) / 1000));
    throw new ApiError(429, 'rate_limited', `Too many failed authentications; retry in ${retry} s`, undefined, {
      'Retry-After': String(retry),
    });
  };
  const fail = (address: string, t: number, message: string): never => {
    let w = failures.get(address);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowMs };
      failures.set(address, w);
      if (failures.size > 10_000) for (const [k, v] of failures) if (v.resetAt <= t) failures.delete(k);
    }
    w.count++;
    throw new ApiError(401, 'unauthorized', message);
  };
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const address = clientAddress(c);
    const t = now();
    refuseIfOver(address, t);
    const m = BEARER.exec((c.req.header('authorization') ?? '').trim());
    if (!m) return fail(address, t, 'Missing access token (Authorization: Bearer <token>)');
    const user = await lookupToken(store, m[1]!);
    if (!user) return fail(address, t, 'Unknown or revoked access token');
    c.set('user', user);
    await next();
  };
}

/**
 * The client's address: the socket's peer behind @hono/node-server; requests without a socket
 * (`app.request()` in tests) share one key. Proxy headers are not trusted (anyone can send them).
 */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

/**
 * A fixed window per token, in memory: `limit` requests per `windowMs`, then 429 with Retry-After
 * until the window ends. Requests without a user (public paths) are not counted. Runs after
 * `authenticate`.
 */
export function rateLimit(
  { limit, windowMs }: { limit: number; windowMs: number },
  now: () => number = Date.now,
): MiddlewareHandler<AppEnv> {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return async (c, next) => {
    const user = c.get('user');
    if (!user) return next();
    const t = now();
    let w = windows.get(user.tokenId);
    if (!w || w.resetAt <= t) {
      w = { count: 0, resetAt: t + windowMs };
      windows.set(user.tokenId, w);
      // Drop expired windows now and then so the map does not grow with old tokens.
      if (windows.size > 10_000) for (const [k, v] of windows) if (v.resetAt <= t) windows.delete(k);
    }
    w.count++;
    if (w.count > limit) {
      const retry = Math.max(1, Math.ceil((w.resetAt - t) / 1000));
      throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${retry} s`, undefined, {
        'Retry-After': String(retry),
      });
    }
    await next();
  };
}
