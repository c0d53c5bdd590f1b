import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody, ErrorCode } from '../lib/shared/schema';

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
