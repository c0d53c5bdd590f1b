import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context';

const CORS_HEADERS = { 'Access-Control-Expose-Headers': 'Retry-After,X-Request-Id' };
const CORS_PREFLIGHT = {
  ...CORS_HEADERS,
  'Access-Control-Max-Age': '600',
  'Access-Control-Allow-Methods': 'GET,POST,PUT,OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization,Content-Type,X-Request-Id',
};

/** Browser extensions' origins (any id), plus the configured extra ones (COUNTERSIGN_ALLOWED_ORIGINS). */
export function isAllowedOrigin(origin: string, extra: string[]): boolean {
  return /^(chrome-extension|moz-extension):\/\/[A-Za-z0-9._-]+$/.test(origin) || extra.includes(origin);
}

/**
 * CORS for the extension's pages: an allowed origin is echoed in `Access-Control-Allow-Origin`, any
 * other gets no such header (the browser then blocks the answer). An OPTIONS preflight is answered
 * here (204) without reaching auth. What hono's cors middleware did with these options, with the
 * headers set before the response exists (see requestLog).
 */
export function cors(allowedOrigins: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin && isAllowedOrigin(origin, allowedOrigins) ? origin : null;
    const set = (headers: Record<string, string>) => {
      if (allowed) c.header('Access-Control-Allow-Origin', allowed);
      for (const [k, v] of Object.entries(headers)) c.header(k, v);
      c.header('Vary', 'Origin', { append: true });
    };
    if (c.req.method === 'OPTIONS') {
      set(CORS_PREFLIGHT);
      c.header('Vary', 'Access-Control-Request-Headers', { append: true });
      return c.body(null, 204);
    }
    set(CORS_HEADERS);
    await next();
    if (c.res.headers.get('Access-Control-Expose-Headers') === null) set(CORS_HEADERS);
  };
}
