import type { Kysely } from 'kysely';
import { DecisionRecord, type Draft } from '../../lib/shared/schema';
import type { Database } from '../store';
import { type DraftRow, type OnMalformed, parseJson, rawDraft, tryRowToDraft } from './views';

/** A draft as `GET /v1/drafts/{id}` answers it: the draft, its decisions oldest first. */
export type DraftView = Draft & { decisions: DecisionRecord[] };

type DecisionRow = Awaited<ReturnType<typeof readDecisions>>[number];

function readDecisions(db: Kysely<Database>, draftIds: string[]) {
  return db
    .selectFrom('decisions')
    .selectAll()
    .where('draft_id', 'in', draftIds)
    .orderBy('received_at')
    .orderBy('id')
    .execute();
}

export function toDecisionRecord(d: DecisionRow): DecisionRecord {
  return DecisionRecord.parse({
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
  });
}

/** The view of stored rows (a row that no longer parses is returned raw, like the route does). */
export function draftView(row: DraftRow, decisions: DecisionRow[], now = Date.now(), onMalformed?: OnMalformed) {
  const draft = (tryRowToDraft(row, now, onMalformed) ?? rawDraft(row, now)) as Draft;
  return { ...draft, decisions: decisions.map(toDecisionRecord) } as DraftView;
}

/**
 * The views of several drafts at once (two statements), read through `db` — a transaction's handle
 * sees its own uncommitted writes, so the outbox renders a change as it commits.
 */
export async function loadDraftViews(
  db: Kysely<Database>,
  ids: string[],
  now = Date.now(),
  onMalformed?: OnMalformed,
): Promise<Map<string, { row: DraftRow; view: DraftView }>> {
  const out = new Map<string, { row: DraftRow; view: DraftView }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.selectFrom('drafts').selectAll().where('id', 'in', chunk).execute();
    if (!rows.length) continue;
    const decisions = await readDecisions(
      db,
      rows.map((r) => r.id),
    );
    const byDraft = new Map<string, DecisionRow[]>();
    for (const d of decisions) {
      const list = byDraft.get(d.draft_id) ?? [];
      list.push(d);
      byDraft.set(d.draft_id, list);
    }
    for (const row of rows) out.set(row.id, { row, view: draftView(row, byDraft.get(row.id) ?? [], now, onMalformed) });
  }
  return out;
}
