import { createRoute } from '@hono/zod-openapi';
import { ErrorBody, Me } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule } from '../context';

const me = createRoute({
  method: 'get',
  path: '/v1/me',
  summary: 'Who the token belongs to',
  security: bearerSecurity,
  responses: {
    200: { description: 'The caller', content: { 'application/json': { schema: Me } } },
    401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export const meRoutes: RouteModule = () =>
  newRouter().openapi(me, (c) => {
    const u = c.get('user');
    return c.json(Me.parse({ id: u.id, name: u.name, role: u.role, specialties: u.specialties }), 200);
  });
