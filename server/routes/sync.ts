import { routes } from '../../lib/shared/api/routes';
import { REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { pullChanges } from '../service/sync';
import { decodeCursor, encodeCursor, logMalformed } from '../service/views';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/sync';

const pull = openApiRoute(PREFIX, routes.pull, {
  summary: "Changes to the caller's queue since a cursor",
  ok: 'Changes in version order',
  errors: { 400: 'Invalid cursor or limit', 401: 'No or unknown token', 403: 'Role may not' },
});

export const syncRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, logger }) => {
    const onMalformed = logMalformed(logger);
    return newRouter().openapi(pull, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      const q = c.req.valid('query');
      const since = decodeCursor(q.since);
      const r = await pullChanges(store.db, user, since, q.limit ?? 200, onMalformed);
      return c.json({ changes: r.changes, cursor: encodeCursor(r.cursor), hasMore: r.hasMore }, 200);
    });
  },
};
