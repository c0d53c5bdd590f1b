import { routes } from '../../lib/shared/api/routes';
import { compareQueueItems } from '../../lib/shared/policy/priority';
import { type Draft, REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { currentVersion } from '../service/sync';
import {
  encodeCursor,
  inQueueOf,
  logMalformed,
  openWhere,
  priorityItem,
  tryRowToDraft,
  visibleWhere,
} from '../service/views';
import { openApiRoute } from './openapi';

const PREFIX = '/v1/queue';

/** The queue shows at most this many drafts; pull delivers the rest of the caller's changes. */
export const QUEUE_MAX = 500;
const CANDIDATES = 5000;

const getQueue = openApiRoute(PREFIX, routes.queue, {
  summary: 'Drafts waiting for the caller, highest priority first (each with a priorityReason)',
  ok: 'The queue and a pull cursor',
  errors: { 401: 'No or unknown token', 403: 'Role may not' },
});

export const queueRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, logger }) => {
    // A stored draft that no longer parses is left out (and logged once); pull sends it raw.
    const onMalformed = logMalformed(logger);
    return newRouter().openapi(getQueue, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      // Read the version first: anything that changes after it is delivered by the next pull.
      const version = await currentVersion(store.db);
      const rows = await store.db
        .selectFrom('drafts')
        .selectAll()
        .where(openWhere)
        .where(visibleWhere(user))
        .orderBy('version', 'desc')
        .limit(CANDIDATES)
        .execute();
      const now = Date.now();
      const items = rows
        .filter((r) => inQueueOf(user, r))
        .sort((a, b) => compareQueueItems(priorityItem(a), priorityItem(b), now))
        .slice(0, QUEUE_MAX)
        .map((r) => tryRowToDraft(r, now, onMalformed))
        .filter((d): d is Draft => d !== null);
      return c.json({ items, cursor: encodeCursor(version) }, 200);
    });
  },
};
