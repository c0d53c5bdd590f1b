import { z } from 'zod';
import { Problem, RecentSettled } from '../../shared/schema/protocol';
import { HealthRows } from './page';
import type { CountersignDb } from './schema';

/** Every meta key with its schema: meta rows are parsed on read like everything else. */
export const MetaSchemas = {
  /** The server's opaque pull cursor for `account`. */
  cursor: z.string(),
  /** accountKey() the drafts snapshot and cursor belong to. */
  account: z.string(),
  /** Random id of this browser profile's database. */
  clientId: z.string(),
  /** Last outbox sequence number handed out. */
  seq: z.number().int(),
  lastSyncAt: z.string(),
  /** Consecutive retryable failures (backoff exponent). */
  failures: z.number().int(),
  nextRetryAt: z.string(),
  /** The current problem shown in the popup/options; absent when all is well. */
  problem: Problem,
  /** Set on 401: sync stays off until the person connects again. */
  paused: z.boolean(),
  /** The server access token (lib/settings.ts: kept out of storage.local, which content scripts can read). */
  token: z.string().min(1),
  /** Site-health counters not yet reported (issue 18). */
  health: HealthRows,
  /** Drafts that left the queue because someone settled them (newest first, a few minutes' worth). */
  recent: z.array(RecentSettled),
  /** Decisions taken back in their undo window (newest last, bounded): never saved again. */
  cancelled: z.array(z.string()),
} as const;
export type MetaKey = keyof typeof MetaSchemas;
export type MetaValue<K extends MetaKey> = z.infer<(typeof MetaSchemas)[K]>;

export async function getMeta<K extends MetaKey>(db: CountersignDb, key: K): Promise<MetaValue<K> | undefined> {
  const row = await db.meta.get(key);
  if (!row) return undefined;
  const parsed = MetaSchemas[key].safeParse(row.value);
  return parsed.success ? (parsed.data as MetaValue<K>) : undefined;
}

export async function setMeta<K extends MetaKey>(db: CountersignDb, key: K, value: MetaValue<K>): Promise<void> {
  await db.meta.put({ key, value: MetaSchemas[key].parse(value) });
}

export async function deleteMeta(db: CountersignDb, ...keys: MetaKey[]): Promise<void> {
  await db.meta.bulkDelete(keys);
}
