import { routes } from '../../lib/shared/api/routes';
import { REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { readQueue } from '../service/queue';
import { logMalformed } from '../service/views';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/queue';

const getQueue = openApiRoute(PREFIX, routes.queue, {
  summary: 'Drafts waiting for the caller, in their order (priority, dealt fairly, claimed by others last), in pages',
  ok: 'A page of the queue, a pull cursor, and nextCursor unless this is the last page',
  errors: { 400: 'Invalid cursor or filter', 401: 'No or unknown token', 403: 'Role may not' },
});

export const queueRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, logger, now }) => {
    // A stored draft that no longer parses is left out (and logged once); pull sends it raw.
    const onMalformed = logMalformed(logger);
    return newRouter().openapi(getQueue, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      const page = await readQueue(store, user, c.req.valid('query'), now().getTime(), onMalformed);
      return c.json(page, 200);
    });
  },
};
