import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

/** `application/json` or a `+json` type such as `application/merge-patch+json`. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/;

/**
 * Refuses, before anything else is done with the request (400):
 * - a NUL character in the URL, raw or as `%00` (PostgreSQL cannot compare text with one: it was a 500);
 * - a POST or PUT whose body is not declared JSON (a form post or text body would otherwise
 *   validate as `{}`).
 */
export function jsonRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.url.includes('%00') || c.req.url.includes('\0')) {
      const message = 'The URL may not contain the NUL character (%00)';
      throw new ApiError(400, 'invalid_input', message, [{ code: 'invalid_string', path: ['url'], message }]);
    }
    if (c.req.method === 'POST' || c.req.method === 'PUT') {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!JSON_TYPE.test(type))
        throw new ApiError(400, 'invalid_json', 'Request body must be JSON (Content-Type: application/json)');
    }
    await next();
  };
}
