import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';
import type { Logger } from '../log';

/** A caller's own request id is kept when it looks like one (and cannot inject anything into logs). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when valid, else a new UUID), returns it in
 * `X-Request-Id`, and logs one structured line per request: method, path, status, time and user id.
 * Never the Authorization header, query strings or bodies. 5xx answers log at error level.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const reqId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('reqId', reqId);
    // Headers are set before the response exists: set afterwards, hono rebuilds the finished
    // response (a web Response around a stream) for every request. Checked again afterwards for
    // a handler that returns a Response object of its own.
    c.header('X-Request-Id', reqId);
    const started = performance.now();
    await next();
    if (c.res.headers.get('X-Request-Id') !== reqId) c.header('X-Request-Id', reqId);
    const status = c.res.status;
    logger[status >= 500 ? 'error' : 'info']('request', {
      reqId,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      user: c.get('user')?.id,
    });
  };
}
