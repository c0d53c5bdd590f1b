import { routes } from '../../lib/shared/api/routes';
import { Me } from '../../lib/shared/schema';
import { newRouter, type Resource } from '../context';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/me';

const me = openApiRoute(PREFIX, routes.me, {
  summary: 'Who the token belongs to',
  ok: 'The caller',
  errors: { 401: 'No or unknown token' },
});

export const meRoutes: Resource = {
  prefix: PREFIX,
  routes: () =>
    newRouter().openapi(me, (c) => {
      const u = c.get('user');
      return c.json(Me.parse({ id: u.id, name: u.name, role: u.role, specialties: u.specialties }), 200);
    }),
};
