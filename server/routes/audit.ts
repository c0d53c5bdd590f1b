import { routes } from '../../lib/shared/api/routes';
import { AuditEntry } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { decodeCursor, encodeCursor, parseJson } from '../service/views';
import { ERRORS, openApiRoute } from './openapi';

const PREFIX = '/v1/audit';

const get = openApiRoute(PREFIX, routes.audit, {
  summary: 'The append-only audit log (admin), oldest first',
  ok: 'Entries after the cursor',
  errors: ERRORS,
});

export const auditRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store }) =>
    newRouter().openapi(get, async (c) => {
      requireRole(c, ['admin']);
      const q = c.req.valid('query');
      const since = decodeCursor(q.since) ?? 0;
      const limit = q.limit ?? 100;
      let query = store.db.selectFrom('audit_log').selectAll().where('id', '>', since);
      if (q.draftId) query = query.where('draft_id', '=', q.draftId);
      const rows = await query.orderBy('id').limit(limit).execute();
      const entries = rows.map((r) =>
        AuditEntry.parse({
          id: Number(r.id),
          at: r.at,
          actor: r.actor,
          action: r.action,
          draftId: r.draft_id,
          workflow: r.workflow,
          original: parseJson(r.original_json, null),
          final: parseJson(r.final_json, null),
          reasons: parseJson<string[]>(r.reasons_json, []),
          detail: parseJson(r.detail_json, null),
        }),
      );
      const last = rows.at(-1);
      return c.json({ entries, cursor: encodeCursor(last ? Number(last.id) : since) }, 200);
    }),
};
