import { OPEN_STATUSES } from '../../lib/shared/schema';
import type { Store } from '../store';
import { nextChange } from '../store/changes';
import type { DraftRow } from './views';

/** Waiting for a person: pending, awaiting a second approval, or escalated. */
export function waitsForPerson(row: Pick<DraftRow, 'status'>): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(row.status);
}

/**
 * `GET /v1/drafts/{id}?wait=` (contract v1.1): reads the draft again after each committed change
 * (the change feed: NOTIFY on PostgreSQL from any instance, in-process on SQLite) until it no
 * longer waits for a person, the time is up, or the caller goes away. No polling loop: between
 * changes it sleeps on the feed. Returns the last row read (undefined if it disappeared).
 */
export async function waitWhileOpen(
  store: Store,
  row: DraftRow,
  read: () => Promise<DraftRow | undefined>,
  waitMs: number,
  signal?: AbortSignal,
): Promise<DraftRow | undefined> {
  if (!waitsForPerson(row)) return row;
  const feed = store.changes;
  const deadline = Date.now() + waitMs;
  // The feed's version before the read it is compared with: a change committed after that read
  // has a newer version, so it is never missed.
  await Promise.race([feed.ready(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
  let seen = feed.version;
  let current: DraftRow | undefined = await read();
  while (current && waitsForPerson(current) && !signal?.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const v = await nextChange(feed, seen, left, signal);
    if (v === null) break;
    seen = v;
    current = await read();
  }
  return current;
}
