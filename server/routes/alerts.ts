import { routes } from '../../lib/shared/api/routes';
import { AlertsOut } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { listAlerts } from '../service/alerts';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/alerts';

const get = openApiRoute(PREFIX, routes.alerts, {
  summary:
    "Governance alerts (admin): a segment's repeated failures, a queue backlog, an escalation surge, a reviewer rubber-stamping, false auto-approvals over target — open ones, or all",
  ok: 'The alerts, newest first',
  errors: { 400: 'Invalid input', 401: 'No or unknown token', 403: 'Not an admin' },
});

export const alertRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store }) =>
    newRouter().openapi(get, async (c) => {
      requireRole(c, ['admin']);
      const q = c.req.valid('query');
      return c.json(AlertsOut.parse({ alerts: await listAlerts(store, q.state, q.limit) }), 200);
    }),
};
