import { createRoute } from '@hono/zod-openapi';
import { ErrorBody, PullOut, PullQuery, REVIEWER_ROLES } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule, requireRole } from '../context';
import { pullChanges } from '../service/sync';
import { decodeCursor, encodeCursor, logMalformed } from '../service/views';

const pull = createRoute({
  method: 'get',
  path: '/v1/sync/pull',
  summary: "Changes to the caller's queue since a cursor",
  security: bearerSecurity,
  request: { query: PullQuery },
  responses: {
    200: { description: 'Changes in version order', content: { 'application/json': { schema: PullOut } } },
    400: { description: 'Invalid cursor or limit', content: { 'application/json': { schema: ErrorBody } } },
    401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
    403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export const syncRoutes: RouteModule = ({ store, logger }) => {
  const onMalformed = logMalformed(logger);
  return newRouter().openapi(pull, async (c) => {
    const user = requireRole(c, REVIEWER_ROLES);
    const q = c.req.valid('query');
    const since = decodeCursor(q.since);
    const r = await pullChanges(store.db, user, since, q.limit ?? 200, onMalformed);
    return c.json({ changes: r.changes, cursor: encodeCursor(r.cursor), hasMore: r.hasMore }, 200);
  });
};
