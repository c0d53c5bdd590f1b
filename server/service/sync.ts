import type { Change } from '../../lib/shared/schema';
import type { Trx } from '../store';
import type { AuthUser } from '../tokens';
import { couldSee, inQueueOf, type OnMalformed, openWhere, rawDraft, tryRowToDraft, visibleWhere } from './views';

export async function currentVersion(db: Trx): Promise<number> {
  const row = await db.selectFrom('counters').select('value').where('name', '=', 'version').executeTakeFirstOrThrow();
  return Number(row.value);
}

/**
 * Changes to the caller's queue after version `since`, in version order.
 * - no cursor (first sync): `upsert` for every draft now in the caller's queue;
 * - with a cursor: `upsert` for changed drafts now in the caller's queue, `remove` for changed
 *   drafts the caller could see (now or before their last change) that are no longer in it;
 *   changes to drafts the caller never could see are skipped (the cursor still moves past them).
 * Versions commit in order (store.write), so `version > since` never skips a row.
 * A row in the caller's queue that no longer parses is sent as an `upsert` of the raw stored object
 * (the client skips it with a visible error) and reported to `onMalformed`; it never fails the page.
 */
export async function pullChanges(
  db: Trx,
  user: AuthUser,
  since: number | null,
  limit: number,
  onMalformed?: OnMalformed,
): Promise<{ changes: Change[]; cursor: number; hasMore: boolean }> {
  const head = await currentVersion(db);
  let q = db
    .selectFrom('drafts')
    .selectAll()
    .where('version', '>', since ?? 0);
  if (since === null) q = q.where(openWhere).where(visibleWhere(user));
  const rows = await q
    .orderBy('version')
    .limit(limit + 1)
    .execute();
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  const changes: Change[] = [];
  const now = Date.now();
  for (const r of page) {
    if (inQueueOf(user, r))
      changes.push({ op: 'upsert', version: r.version, draft: tryRowToDraft(r, now, onMalformed) ?? rawDraft(r, now) });
    else if (since !== null && couldSee(user, r))
      changes.push({
        op: 'remove',
        version: r.version,
        id: r.id,
        status: r.status,
        decidedBy: r.decided_by,
        decidedAt: r.decided_at,
      });
  }
  // Who settled them, by name ("Maya approved this a moment ago"): one lookup for the page.
  const deciders = [...new Set(changes.flatMap((ch) => (ch.op === 'remove' && ch.decidedBy ? [ch.decidedBy] : [])))];
  if (deciders.length) {
    const names = new Map(
      (await db.selectFrom('users').select(['id', 'name']).where('id', 'in', deciders).execute()).map((u) => [
        u.id,
        u.name,
      ]),
    );
    for (const ch of changes)
      if (ch.op === 'remove' && ch.decidedBy && names.has(ch.decidedBy)) ch.decidedByName = names.get(ch.decidedBy)!;
  }
  // When the page is complete, jump to the head read before the query: nothing at or below it is left.
  const cursor = hasMore ? page.at(-1)!.version : Math.max(head, page.at(-1)?.version ?? 0, since ?? 0);
  return { changes, cursor, hasMore };
}
