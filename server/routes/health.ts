import { createRoute } from '@hono/zod-openapi';
import { Health } from '../../lib/shared/schema';
import { newRouter, type RouteModule } from '../context';

const health = createRoute({
  method: 'get',
  path: '/v1/health',
  summary: 'Liveness check (no token needed)',
  responses: { 200: { description: 'The server is up', content: { 'application/json': { schema: Health } } } },
});

export const healthRoutes: RouteModule = () => newRouter().openapi(health, (c) => c.json({ ok: true as const }, 200));
