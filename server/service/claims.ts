import type { Store } from '../store';
import type { AuthUser } from '../tokens';
import { canSee, isOpen } from './views';

/** How long a claim holds unless its holder renews it (contract v1.1: "about 2 minutes"). */
export const CLAIM_MS = 120_000;

export type ClaimResult =
  | { ok: true; claimedBy: string; claimedByName: string; until: string }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'held'; claimedBy: string; claimedByName: string | null; until: string }
  | { ok: false; reason: 'settled'; status: string };

const CLAIM_COLUMNS = [
  'id',
  'status',
  'queue',
  'assignee',
  'audit_pending',
  'claimed_by',
  'claimed_by_name',
  'claimed_until',
] as const;

/**
 * Claims a draft for `user` for `CLAIM_MS` (renews it when they already hold it). A claim is a
 * change of the draft like any other: it takes a new version in a store write, so it reaches every
 * reviewer through the same path as a decision (the change feed, the stream, pull's `upsert` with
 * `claimedBy`/`claimedUntil`), from whichever instance made it. A lapsed claim needs no write: it
 * simply stops counting at `claimedUntil`.
 */
export async function claimDraft(
  store: Store,
  user: AuthUser,
  draftId: string,
  now = new Date(),
): Promise<ClaimResult> {
  return store.write(async (trx, versions) => {
    const row = await trx.selectFrom('drafts').select(CLAIM_COLUMNS).where('id', '=', draftId).executeTakeFirst();
    if (!row || !canSee(user, row.queue, row.assignee)) return { ok: false, reason: 'not_found' } as const;
    if (!isOpen(row)) return { ok: false, reason: 'settled', status: row.status } as const;
    const t = now.getTime();
    const holds = row.claimed_by && row.claimed_until && Date.parse(row.claimed_until) > t;
    if (holds && row.claimed_by !== user.id)
      return {
        ok: false,
        reason: 'held',
        claimedBy: row.claimed_by!,
        claimedByName: row.claimed_by_name,
        until: row.claimed_until!,
      } as const;
    const until = new Date(t + CLAIM_MS).toISOString();
    await trx
      .updateTable('drafts')
      .set({
        claimed_by: user.id,
        claimed_by_name: user.name,
        claimed_until: until,
        ...(holds ? {} : { claimed_at: now.toISOString() }),
        version: versions.next(),
      })
      .where('id', '=', draftId)
      .execute();
    return { ok: true, claimedBy: user.id, claimedByName: user.name, until } as const;
  });
}

/**
 * Releases `user`'s claim. `released: false` when there was nothing of theirs to release (no claim,
 * a lapsed one, or another person's: theirs is left alone).
 */
export async function releaseClaim(
  store: Store,
  user: AuthUser,
  draftId: string,
  now = new Date(),
): Promise<{ found: boolean; released: boolean; heldBy?: string | null }> {
  return store.write(async (trx, versions) => {
    const row = await trx.selectFrom('drafts').select(CLAIM_COLUMNS).where('id', '=', draftId).executeTakeFirst();
    if (!row || !canSee(user, row.queue, row.assignee)) return { found: false, released: false };
    const holds = row.claimed_by && row.claimed_until && Date.parse(row.claimed_until) > now.getTime();
    if (!holds || row.claimed_by !== user.id)
      return { found: true, released: false, heldBy: holds ? row.claimed_by : null };
    await trx
      .updateTable('drafts')
      .set({ claimed_by: null, claimed_by_name: null, claimed_until: null, version: versions.next() })
      .where('id', '=', draftId)
      .execute();
    return { found: true, released: true };
  });
}
