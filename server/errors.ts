import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '../lib/shared/schema';
import type { AppEnv } from './context';
import type { Logger } from './log';

/** An error that becomes the contract's error body (`{"error": {code, message, issues?}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: unknown[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorBody(code: ErrorCode, message: string, issues?: unknown[]): ErrorBody {
  return { error: issues ? { code, message, issues } : { code, message } };
}

export function sendError(c: Context, err: ApiError) {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(errorBody(err.code, err.message, err.issues), err.status);
}

export const notFound = (what = 'Not found') => new ApiError(404, 'not_found', what);
export const forbidden = (message = 'Your role may not do this') => new ApiError(403, 'forbidden', message);

/** Any route the API does not have: 404 with the contract's error body. */
export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404);

/** Seconds in the Retry-After of a 503 while the database is away. */
export const UNAVAILABLE_RETRY_AFTER_S = 2;

/** Node socket errors of a connection to the database that failed or broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'COUNTERSIGN_WRITE_QUEUE_TIMEOUT',
  // store/pg-guard.ts: the database stopped answering.
  'COUNTERSIGN_DB_STALLED',
  // SQLite: another connection held the write lock past the busy timeout.
  'SQLITE_BUSY',
]);

/** What pg says when a connection could not be had or died under a query (no code on these). */
const PG_CONNECTION_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection error and is not queryable|Client was closed and is not queryable|terminating connection/i;

/**
 * Whether `err` means the database cannot be reached (or cannot answer in time) rather than a bug:
 * a refused, broken or timed-out connection, a server shutting down or starting up, a cancelled
 * statement (statement_timeout), too many connections. Those become 503 with Retry-After.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  // SQLSTATE: 08 connection exception, 57P01-03 shutdown / cannot connect now, 57014 statement
  // cancelled (timeout), 53300 too many connections, 25P03 idle-in-transaction timeout.
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '57014', '53300', '53000', '25P03'].includes(code)) return true;
  if (typeof e.message === 'string' && PG_CONNECTION_MESSAGES.test(e.message)) return true;
  // Node's AggregateError (a host with several addresses, all refused).
  if (Array.isArray(e.errors)) return e.errors.some(isDatabaseUnavailable);
  return false;
}

/**
 * Every error becomes the contract's error body: an `ApiError` as it says, Hono's own errors by
 * status (413 payload too large, 400 malformed JSON), anything else a logged 500 that says nothing
 * about the cause to the caller.
 */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof ApiError) return sendError(c, err);
    if (err instanceof HTTPException) {
      if (err.status === 413) return c.json(errorBody('payload_too_large', 'Request body too large'), 413);
      if (err.status === 400) return c.json(errorBody('invalid_json', err.message || 'Malformed JSON'), 400);
      return c.json(errorBody(err.status === 401 ? 'unauthorized' : 'invalid_input', err.message), err.status);
    }
    if (isDatabaseUnavailable(err)) {
      logger.warn('database unavailable', {
        reqId: c.get('reqId'),
        code: (err as { code?: string }).code ?? null,
        error: err instanceof Error ? err.message : String(err),
      });
      c.header('Retry-After', String(UNAVAILABLE_RETRY_AFTER_S));
      return c.json(errorBody('unavailable', 'The database cannot be reached right now; try again shortly'), 503);
    }
    logger.error('unhandled error', {
      reqId: c.get('reqId'),
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack?.split('\n').slice(0, 6).join(' | ') : undefined,
    });
    return c.json(errorBody('internal', 'Internal server error'), 500);
  };
}
