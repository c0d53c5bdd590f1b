import { routes } from '../../lib/shared/api/routes';
import { newRouter, type Resource } from '../context';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/health';

const health = openApiRoute(PREFIX, routes.health, {
  summary: 'Liveness check (no token needed)',
  ok: 'The server is up',
  errors: {},
  public: true,
});

export const healthRoutes: Resource = {
  prefix: PREFIX,
  routes: () => newRouter().openapi(health, (c) => c.json({ ok: true as const }, 200)),
};
