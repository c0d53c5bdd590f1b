import { routes } from '../../lib/shared/api/routes';
import { Accountability } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { accountabilityFigures } from '../service/accountability';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/accountability';

const get = openApiRoute(PREFIX, routes.accountability, {
  summary:
    'Who approved what: per reviewer approvals, misses found later, canary catch rate, review time, reasons; negative outcomes traced to their approvers; reason codes by day, workflow and segment (admin)',
  ok: 'The accountability figures of the window',
  errors: { 400: 'Invalid input', 401: 'No or unknown token', 403: 'Not an admin' },
});

export const accountabilityRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store }) =>
    newRouter().openapi(get, async (c) => {
      requireRole(c, ['admin']);
      // Parsed on the way out: the figures come from SQL rows (every boundary parses).
      return c.json(Accountability.parse(await accountabilityFigures(store, c.req.valid('query'))), 200);
    }),
};
