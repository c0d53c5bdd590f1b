import type { OpenAPIHono } from '@hono/zod-openapi';
import { routes } from '../lib/shared/api/routes';
import { type AppEnv, type Deps, newRouter, type Resource, type RouteModule } from './context';
import { errorHandler, notFoundHandler } from './errors';
import { type Logger, silentLogger } from './log';
import { authenticate, rateLimit } from './middleware/auth';
import { jsonBody } from './middleware/body';
import { cors } from './middleware/cors';
import { jsonRequests } from './middleware/json-requests';
import { requestLog } from './middleware/request-log';
import { sharedRateLimit } from './middleware/shared-rate-limit';
import { accountabilityRoutes } from './routes/accountability';
import { alertRoutes } from './routes/alerts';
import { auditRoutes } from './routes/audit';
import { calibrationSessionRoutes } from './routes/calibration';
import { claimRoutes } from './routes/claims';
import { decisionRoutes } from './routes/decisions';
import { draftRoutes } from './routes/drafts';
import { exportRoutes, governanceRoutes, metricsRoutes, workflowGovernanceRoutes } from './routes/governance';
import { healthRoutes } from './routes/health';
import { channelRoutes, notificationRoutes, openLinkRoutes, rotationRoutes, slaRoutes } from './routes/live-admin';
import { meRoutes } from './routes/me';
import { outcomeRoutes } from './routes/outcomes';
import { pageHealthRoutes, pageReportRoutes, siteHealthRoutes } from './routes/page';
import { queueRoutes } from './routes/queue';
import { streamRoutes } from './routes/stream';
import { syncRoutes } from './routes/sync';
import { webhookRoutes } from './routes/webhooks';
import { workflowRoutes } from './routes/workflows';
import type { Store } from './store';

export type { AppEnv, Deps, Resource, RouteModule } from './context';

export interface AppDeps {
  store: Store;
  logger?: Logger;
  rateLimit?: Partial<Deps['rateLimit']>;
  authFailures?: Partial<Deps['authFailures']>;
  bodyLimitBytes?: number;
  random?: () => number;
  now?: () => Date;
  allowedOrigins?: string[];
  /** Extra sub-apps (e.g. the sandbox's static pages); mounted at `/` after the API's resources. */
  extraRoutes?: RouteModule[];
}

/**
 * The API's resources, each a sub-app mounted at its prefix (in this order, which is also the
 * OpenAPI document's). To add one, add a line here. Two share `/v1/workflows`: a workflow's policy
 * and its governance (calibration, autonomy, canaries, …).
 */
export const RESOURCES: Resource[] = [
  healthRoutes, // /v1/health
  meRoutes, // /v1/me
  draftRoutes, // /v1/drafts
  workflowRoutes, // /v1/workflows/{workflow}
  queueRoutes, // /v1/queue
  syncRoutes, // /v1/sync/pull
  streamRoutes, // /v1/sync/stream
  claimRoutes, // /v1/drafts/{id}/claim
  slaRoutes, // /v1/slas
  notificationRoutes, // /v1/me/notifications
  rotationRoutes, // /v1/workflows/{workflow}/rotation
  channelRoutes, // /v1/workflows/{workflow}/channels
  openLinkRoutes, // /open/{id} (notification links; decide nothing)
  decisionRoutes, // /v1/decisions
  outcomeRoutes, // /v1/outcomes
  auditRoutes, // /v1/audit
  workflowGovernanceRoutes, // /v1/workflows/{workflow}/calibration, …
  metricsRoutes, // /v1/metrics
  accountabilityRoutes, // /v1/accountability (issue 16)
  alertRoutes, // /v1/alerts (issue 16)
  governanceRoutes, // /v1/governance/workflows
  exportRoutes, // /v1/export/feedback.jsonl
  calibrationSessionRoutes, // /v1/calibration-sessions (issue 16)
  webhookRoutes, // /v1/webhooks
  pageReportRoutes, // /v1/page-reports (issue 18)
  siteHealthRoutes, // /v1/site-health
  pageHealthRoutes, // /v1/page-health
];

const DEFAULT_RATE_LIMIT = { limit: 600, windowMs: 60_000 };
const DEFAULT_AUTH_FAILURES = { limit: 20, windowMs: 60_000 };
const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

/** Resolves the optional deps (env vars first, then defaults). */
export function resolveDeps(deps: AppDeps): Deps {
  const envLimit = Number(process.env.COUNTERSIGN_RATE_LIMIT);
  const envAuthFailures = Number(process.env.COUNTERSIGN_AUTH_FAILURE_LIMIT);
  return {
    store: deps.store,
    logger: deps.logger ?? silentLogger,
    rateLimit: {
      limit: deps.rateLimit?.limit ?? (envLimit > 0 ? envLimit : DEFAULT_RATE_LIMIT.limit),
      windowMs: deps.rateLimit?.windowMs ?? DEFAULT_RATE_LIMIT.windowMs,
    },
    authFailures: {
      limit: deps.authFailures?.limit ?? (envAuthFailures > 0 ? envAuthFailures : DEFAULT_AUTH_FAILURES.limit),
      windowMs: deps.authFailures?.windowMs ?? DEFAULT_AUTH_FAILURES.windowMs,
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

/** The server: middleware (server/middleware/), the resources at their prefixes, `/openapi.json`. */
export function createApp(appDeps: AppDeps): OpenAPIHono<AppEnv> {
  const deps = resolveDeps(appDeps);
  const app = newRouter();

  app.use('*', requestLog(deps.logger));
  app.use('*', cors(deps.allowedOrigins));
  app.use('/v1/*', jsonRequests());
  app.use('/v1/*', authenticate(deps.store, { publicPaths: [routes.health.path], failures: deps.authFailures }));
  // Several instances share one PostgreSQL: the budget is counted there (middleware/shared-rate-limit.ts).
  app.use(
    '/v1/*',
    deps.store.dialect === 'postgres' ? sharedRateLimit(deps.store, deps.rateLimit) : rateLimit(deps.rateLimit),
  );
  // The body is read (and size-checked) once, for a known caller within their rate.
  app.use('/v1/*', jsonBody(deps.bodyLimitBytes));

  for (const { prefix, routes: build } of RESOURCES) app.route(prefix, build(deps));
  for (const build of appDeps.extraRoutes ?? []) app.route('/', build(deps));
  // Governance's own evaluation on a timer runs with the expiry/SLA timers (server/main.ts: one
  // instance at a time); evaluations after outcomes run where the outcomes arrive (routes/outcomes.ts).

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Countersign review server',
      version: '1.0.0',
      description: 'Human review of AI-written sales drafts. See docs/contract.md in the repository.',
    },
  });

  app.notFound(notFoundHandler);
  app.onError(errorHandler(deps.logger));
  return app;
}
