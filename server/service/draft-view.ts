import type { Kysely } from 'kysely';
import { type Content, DecisionRecord, type Draft, type Sent } from '../../lib/shared/schema';
import type { Database, Store } from '../store';
import { type DraftRow, type OnMalformed, parseJson, rawDraft, tryRowToDraft } from './views';

/**
 * A draft as `GET /v1/drafts/{id}` answers it: the draft, its decisions oldest first, and `sent`
 * once the person sent or saved it in the page (issue 18).
 */
export type DraftView = Draft & { decisions: DecisionRecord[]; sent?: Sent };

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
 * The views of several drafts at once (three statements), read through `db` — a transaction's handle
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
    const sent = await sentFor(
      db,
      rows.map((r) => r.id),
    );
    for (const row of rows) {
      const view = draftView(row, byDraft.get(row.id) ?? [], now, onMalformed);
      const s = sent.get(row.id);
      out.set(row.id, { row, view: s ? { ...view, sent: s } : view });
    }
  }
  return out;
}

/** `sent` of each draft that has one. */
export async function sentFor(db: Kysely<Database>, draftIds: string[]): Promise<Map<string, Sent>> {
  const out = new Map<string, Sent>();
  for (let i = 0; i < draftIds.length; i += 500) {
    const rows = await db
      .selectFrom('draft_sent')
      .selectAll()
      .where('draft_id', 'in', draftIds.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const content = parseJson<Content | null>(r.content_json, null);
      if (!content) continue;
      out.set(r.draft_id, {
        content,
        at: r.at,
        editedInPage: !!r.edited_in_page,
        how: r.how === 'saved' ? 'saved' : 'sent',
        ...(r.diff ? { diff: r.diff } : {}),
      });
    }
  }
  return out;
}

/**
 * Runs the reads of `fn` as one snapshot. PostgreSQL: a read-only REPEATABLE READ transaction, so
 * statements see the same commits (a decision and the draft status it set, a `sent` and its
 * version come together or not at all). SQLite: the statements run on the one connection in a row;
 * a write transaction can fall between two of them only at an await, and a read never sees one
 * half-done (writes are transactions on the same connection).
 */
export function readSnapshot<T>(store: Store, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (store.dialect !== 'postgres') return fn(store.db);
  return store.db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
}
