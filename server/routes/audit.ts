import { createRoute, z } from '@hono/zod-openapi';
import { AuditEntry, AuditOut, ErrorBody } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule, requireRole } from '../context';
import { decodeCursor, encodeCursor, parseJson } from '../service/views';

const Query = z.object({
  since: z.string().max(100).optional().describe('cursor from a previous response'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  draftId: z.string().max(200).optional(),
});

const get = createRoute({
  method: 'get',
  path: '/v1/audit',
  summary: 'The append-only audit log (admin), oldest first',
  security: bearerSecurity,
  request: { query: Query },
  responses: {
    200: { description: 'Entries after the cursor', content: { 'application/json': { schema: AuditOut } } },
    400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
    401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
    403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export const auditRoutes: RouteModule = ({ store }) =>
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
  });
