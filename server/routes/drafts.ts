import { routes } from '../../lib/shared/api/routes';
import { type Draft, DraftStatus, DraftsOut, IsoDateTime, REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { ApiError, forbidden, notFound } from '../errors';
import { loadDraftViews, readSnapshot } from '../service/draft-view';
import { afterIngest } from '../service/governance/canary';
import { ingestDrafts } from '../service/ingest';
import { sentFor } from '../service/sent';
import { couldSee, decodeCursor, encodeCursor, logMalformed, tryRowToDraft, visibleWhere } from '../service/views';
import { waitWhileOpen } from '../service/wait';
import { ERRORS, openApiRoute } from './openapi';

const PREFIX = '/v1/drafts';

const postDrafts = openApiRoute(PREFIX, routes.postDrafts, {
  summary: 'Submit drafts (pipeline, admin); idempotent on externalId',
  ok: 'Routing result per draft, in input order',
  errors: ERRORS,
});

const getDraft = openApiRoute(PREFIX, routes.getDraft, {
  summary:
    'One draft with its decisions and, once approved, the final content; ?wait=<1–60 s> answers as soon as it no longer waits for a person',
  ok: 'The draft',
  errors: { 404: 'Not found', ...ERRORS },
});

const listDrafts = openApiRoute(PREFIX, routes.listDrafts, {
  summary: 'Drafts in change order, for the pipeline to collect results',
  ok: 'Drafts changed since the cursor (canaries never included for the pipeline and admins)',
  errors: ERRORS,
});

const READERS = ['pipeline', ...REVIEWER_ROLES] as const;

export const draftRoutes: Resource = {
  prefix: PREFIX,
  routes: (deps) => {
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
        const { wait } = c.req.valid('query');
        const privileged = user.role === 'pipeline' || user.role === 'admin';
        if (wait !== undefined && !privileged) throw forbidden('Only the pipeline and admins may wait on a draft');
        const read = () => store.db.selectFrom('drafts').selectAll().where('id', '=', id).executeTakeFirst();
        const row = await read();
        if (!row || (!privileged && !couldSee(user, row))) throw notFound('No such draft');
        // Canary drafts are governance's test items: never shown to the pipeline (it would send them
        // as output). Anyone who sees one in a queue reads it like any other draft, or a 404 would
        // give it away.
        if (row.canary && user.role === 'pipeline') throw notFound('No such draft');
        if (wait !== undefined) await waitWhileOpen(store, row, read, wait * 1000, c.req.raw.signal);
        // The draft, its decisions and its `sent` from one snapshot, so whatever one commit wrote
        // (a decision with the draft's new status, a `sent` with its version) is answered together.
        const view = (await readSnapshot(store, (db) => loadDraftViews(db, [id], Date.now(), onMalformed))).get(id);
        if (!view) throw notFound('No such draft');
        return c.json(view.view, 200);
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
        // What the person really sent or saved in the page (contract v1.1), for the pipeline's results.
        const sent = await sentFor(
          store.db,
          out.map((d) => d.id),
        );
        for (const d of out) {
          const s = sent.get(d.id);
          if (s) d.sent = s;
        }
        return c.json({ drafts: out, cursor, hasMore }, 200);
      });
  },
};
