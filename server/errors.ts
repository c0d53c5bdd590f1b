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
    logger.error('unhandled error', {
      reqId: c.get('reqId'),
      error: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack?.split('\n').slice(0, 6).join(' | ') : undefined,
    });
    return c.json(errorBody('internal', 'Internal server error'), 500);
  };
}
