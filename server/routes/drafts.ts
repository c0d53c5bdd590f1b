import { createRoute, z } from '@hono/zod-openapi';
import {
  DecisionRecord,
  Draft,
  DraftStatus,
  DraftsIn,
  DraftsOut,
  ErrorBody,
  IsoDateTime,
  LIMITS,
  REVIEWER_ROLES,
} from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule, requireRole, validatedSynchronously } from '../context';
import { ApiError, notFound } from '../errors';
import { afterIngest } from '../service/governance';
import { ingestDrafts } from '../service/ingest';
import {
  couldSee,
  decodeCursor,
  encodeCursor,
  logMalformed,
  parseJson,
  rawDraft,
  tryRowToDraft,
  visibleWhere,
} from '../service/views';

const errors = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
  403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
};

const postDrafts = createRoute({
  method: 'post',
  path: '/v1/drafts',
  summary: 'Submit drafts (pipeline, admin); idempotent on externalId',
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: validatedSynchronously(DraftsIn) } } } },
  responses: {
    200: {
      description: 'Routing result per draft, in input order',
      content: { 'application/json': { schema: DraftsOut } },
    },
    ...errors,
  },
});

export const DraftWithDecisions = z.intersection(Draft, z.object({ decisions: z.array(DecisionRecord) }));

const getDraft = createRoute({
  method: 'get',
  path: '/v1/drafts/{id}',
  summary: 'One draft with its decisions and, once approved, the final content',
  security: bearerSecurity,
  request: { params: z.object({ id: z.string().min(1).max(LIMITS.id) }) },
  responses: {
    200: { description: 'The draft', content: { 'application/json': { schema: DraftWithDecisions } } },
    404: { description: 'Not found', content: { 'application/json': { schema: ErrorBody } } },
    ...errors,
  },
});

const ListQuery = z.object({
  status: z.string().max(300).optional().describe('comma-separated statuses, e.g. approved,rejected,auto_approved'),
  since: z
    .string()
    .max(100)
    .optional()
    .describe('a cursor from a previous response, or an ISO-8601 time (updated at or after)'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  workflow: z.string().max(100).optional(),
});

const listDrafts = createRoute({
  method: 'get',
  path: '/v1/drafts',
  summary: 'Drafts in change order, for the pipeline to collect results',
  security: bearerSecurity,
  request: { query: ListQuery },
  responses: {
    200: {
      description: 'Drafts changed since the cursor (canaries never included for the pipeline and admins)',
      content: {
        'application/json': { schema: z.object({ drafts: z.array(Draft), cursor: z.string(), hasMore: z.boolean() }) },
      },
    },
    ...errors,
  },
});

const READERS = ['pipeline', ...REVIEWER_ROLES] as const;

export const draftRoutes: RouteModule = (deps) => {
  const { store } = deps;
  // A stored draft that no longer parses: left out of lists, returned raw when asked for by id
  // (like pull does), and logged once — never a 500 for everyone who can see it.
  const onMalformed = logMalformed(deps.logger);
  return newRouter()
    .openapi(postDrafts, async (c) => {
      const user = requireRole(c, ['pipeline', 'admin']);
      const { drafts } = c.req.valid('json');
      const results = await ingestDrafts(store, drafts, user.id, {
        random: deps.random,
        afterInsert: (trx, versions, ids) => afterIngest(trx, versions, ids, deps),
      });
      return c.json(DraftsOut.parse({ results }), 200);
    })
    .openapi(getDraft, async (c) => {
      const user = requireRole(c, READERS);
      const { id } = c.req.valid('param');
      const row = await store.db.selectFrom('drafts').selectAll().where('id', '=', id).executeTakeFirst();
      const privileged = user.role === 'pipeline' || user.role === 'admin';
      if (!row || (!privileged && !couldSee(user, row))) throw notFound('No such draft');
      // Canary drafts are governance's test items: never shown to the pipeline (it would send them
      // as output). Anyone who sees one in a queue reads it like any other draft, or a 404 would
      // give it away.
      if (row.canary && user.role === 'pipeline') throw notFound('No such draft');
      const decisions = await store.db
        .selectFrom('decisions')
        .selectAll()
        .where('draft_id', '=', id)
        .orderBy('received_at')
        .orderBy('id')
        .execute();
      const now = Date.now();
      const draft = (tryRowToDraft(row, now, onMalformed) ?? rawDraft(row, now)) as Draft;
      return c.json(
        {
          ...draft,
          decisions: decisions.map((d) =>
            DecisionRecord.parse({
              id: d.id,
              draftId: d.draft_id,
              userId: d.user_id,
              action: d.action,
              status: d.status,
              content: parseJson(d.content_json, null),
              reasons: parseJson<string[]>(d.reasons_json, []),
              note: d.note,
              dwellMs: d.dwell_ms,
              decidedAt: d.decided_at,
              receivedAt: d.received_at,
              diff: d.diff,
            }),
          ),
        },
        200,
      );
    })
    .openapi(listDrafts, async (c) => {
      const user = requireRole(c, READERS);
      const q = c.req.valid('query');
      const limit = q.limit ?? 100;
      const statuses = q.status
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const s of statuses ?? [])
        if (!DraftStatus.safeParse(s).success)
          throw new ApiError(400, 'invalid_input', `unknown status "${s}" (${DraftStatus.options.join(', ')})`);
      let sinceVersion: number | null = null;
      let sinceTime: string | null = null;
      if (q.since) {
        if (IsoDateTime.safeParse(q.since).success) sinceTime = new Date(q.since).toISOString();
        else sinceVersion = decodeCursor(q.since);
      }
      let query = store.db.selectFrom('drafts').selectAll();
      // The pipeline's output path (and an admin's, who may submit and collect drafts too) never
      // includes canaries; a reviewer's list shows the ones in their queues, like the queue does.
      if (user.role === 'pipeline' || user.role === 'admin') query = query.where('canary', '=', false);
      if (statuses?.length) query = query.where('status', 'in', statuses);
      if (q.workflow) query = query.where('workflow', '=', q.workflow);
      if (sinceVersion !== null) query = query.where('version', '>', sinceVersion);
      if (sinceTime !== null) query = query.where('updated_at', '>=', sinceTime);
      if (user.role !== 'pipeline' && user.role !== 'admin')
        query = query.where((eb) => eb.or([visibleWhere(user)(eb), eb('decided_by', '=', user.id)]));
      const rows = await query
        .orderBy('version')
        .limit(limit + 1)
        .execute();
      const hasMore = rows.length > limit;
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const cursor = encodeCursor(last ? last.version : (sinceVersion ?? 0));
      const now = Date.now();
      const out = page.map((r) => tryRowToDraft(r, now, onMalformed)).filter((d): d is Draft => d !== null);
      return c.json({ drafts: out, cursor, hasMore }, 200);
    });
};
