import { randomUUID } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { jsonBody } from './body';
import { type AppEnv, type Deps, newRouter, type RouteModule } from './context';
import { ApiError, errorBody, sendError } from './errors';
import { type Logger, silentLogger } from './log';
import { auditRoutes } from './routes/audit';
import { decisionRoutes } from './routes/decisions';
import { draftRoutes } from './routes/drafts';
import { governanceRoutes } from './routes/governance';
import { healthRoutes } from './routes/health';
import { meRoutes } from './routes/me';
import { outcomeRoutes } from './routes/outcomes';
import { queueRoutes } from './routes/queue';
import { syncRoutes } from './routes/sync';
import { workflowRoutes } from './routes/workflows';
import type { Store } from './store';
import { lookupToken } from './tokens';

export type { AppEnv, Deps, RouteModule } from './context';

export interface AppDeps {
  store: Store;
  logger?: Logger;
  rateLimit?: Partial<Deps['rateLimit']>;
  bodyLimitBytes?: number;
  random?: () => number;
  now?: () => Date;
  allowedOrigins?: string[];
  /** Extra sub-apps (e.g. the sandbox's static pages); mounted after the API routes. */
  extraRoutes?: RouteModule[];
}

/**
 * The API's resources, each a sub-app mounted at `/`. To add a resource, add one line here
 * (governance: `governanceRoutes` from './routes/governance').
 */
export const ROUTES: RouteModule[] = [
  healthRoutes,
  meRoutes,
  draftRoutes,
  workflowRoutes,
  queueRoutes,
  syncRoutes,
  decisionRoutes,
  outcomeRoutes,
  auditRoutes,
  governanceRoutes,
];

const DEFAULT_RATE_LIMIT = { limit: 600, windowMs: 60_000 };
const CORS_HEADERS = { 'Access-Control-Expose-Headers': 'Retry-After,X-Request-Id' };
const CORS_PREFLIGHT = {
  ...CORS_HEADERS,
  'Access-Control-Max-Age': '600',
  'Access-Control-Allow-Methods': 'GET,POST,PUT,OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization,Content-Type,X-Request-Id',
};
const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/** Resolves the optional deps (env vars first, then defaults). */
export function resolveDeps(deps: AppDeps): Deps {
  const envLimit = Number(process.env.COUNTERSIGN_RATE_LIMIT);
  return {
    store: deps.store,
    logger: deps.logger ?? silentLogger,
    rateLimit: {
      limit: deps.rateLimit?.limit ?? (envLimit > 0 ? envLimit : DEFAULT_RATE_LIMIT.limit),
      windowMs: deps.rateLimit?.windowMs ?? DEFAULT_RATE_LIMIT.windowMs,
    },
    bodyLimitBytes:
      deps.bodyLimitBytes ??
      (Number(process.env.COUNTERSIGN_BODY_LIMIT) > 0
        ? Number(process.env.COUNTERSIGN_BODY_LIMIT)
        : DEFAULT_BODY_LIMIT),
    random: deps.random ?? Math.random,
    now: deps.now ?? (() => new Date()),
    allowedOrigins:
      deps.allowedOrigins ??
      (process.env.COUNTERSIGN_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  };
}

export function isAllowedOrigin(origin: string, extra: string[]): boolean {
  return /^(chrome-extension|moz-extension):\/\/[A-Za-z0-9._-]+$/.test(origin) || extra.includes(origin);
}

export function createApp(appDeps: AppDeps): OpenAPIHono<AppEnv> {
  const deps = resolveDeps(appDeps);
  const { logger, store } = deps;
  const app = newRouter();

  // Request id + one structured log line per request (method, path, status, time, user id; never
  // the Authorization header, query strings or bodies).
  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const reqId = incoming && /^[A-Za-z0-9._-]{1,100}$/.test(incoming) ? incoming : randomUUID();
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
  });

  // CORS for extension origins (what hono's cors middleware did with these options, with the
  // headers set before the response exists; see the request id above).
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    const allowed = origin && isAllowedOrigin(origin, deps.allowedOrigins) ? origin : null;
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
  });

  // Bodies must be JSON: a form post or text body gets a clear 400 instead of validating `{}`.
  // No NUL character in the URL either (PostgreSQL cannot compare text with one: it was a 500).
  app.use('/v1/*', async (c, next) => {
    if (c.req.url.includes('%00') || c.req.url.includes('\0')) {
      const message = 'The URL may not contain the NUL character (%00)';
      throw new ApiError(400, 'invalid_input', message, [{ code: 'invalid_string', path: ['url'], message }]);
    }
    if (c.req.method === 'POST' || c.req.method === 'PUT') {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!/^application\/([\w.-]+\+)?json$/.test(type))
        throw new ApiError(400, 'invalid_json', 'Request body must be JSON (Content-Type: application/json)');
    }
    await next();
  });

  // Auth on every /v1 route except health; then a per-token fixed-window rate limit.
  const windows = new Map<string, { count: number; resetAt: number }>();
  app.use('/v1/*', async (c, next) => {
    if (c.req.path === '/v1/health') return next();
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S{1,512})$/i.exec(header.trim());
    if (!m) throw new ApiError(401, 'unauthorized', 'Missing access token (Authorization: Bearer <token>)');
    const user = await lookupToken(store, m[1]!);
    if (!user) throw new ApiError(401, 'unauthorized', 'Unknown or revoked access token');
    c.set('user', user);
    const now = Date.now();
    let w = windows.get(user.tokenId);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + deps.rateLimit.windowMs };
      windows.set(user.tokenId, w);
      // Drop expired windows now and then so the map does not grow with old tokens.
      if (windows.size > 10_000) for (const [k, v] of windows) if (v.resetAt <= now) windows.delete(k);
    }
    w.count++;
    if (w.count > deps.rateLimit.limit) {
      const retry = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
      throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${retry} s`, undefined, {
        'Retry-After': String(retry),
      });
    }
    await next();
  });

  // Then the body is read (and size-checked) once, for a known caller within their rate.
  app.use('/v1/*', jsonBody(deps.bodyLimitBytes));

  for (const mod of [...ROUTES, ...(appDeps.extraRoutes ?? [])]) app.route('/', mod(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Countersign review server',
      version: '1.0.0',
      description: 'Human review of AI-written sales drafts. See docs/contract.md.',
    },
  });

  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
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
  });
  return app;
}
