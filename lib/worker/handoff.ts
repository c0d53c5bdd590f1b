import { browser } from 'wxt/browser';
import { HANDOFF_PREFIX, Handoff } from '../shared/schema/protocol';
import { type CountersignDb, saveDecisionLocally } from './db';
import { accountKey, type Settings } from './settings';

/**
 * Collects the decisions content scripts could not hand to the worker (protocol `HANDOFF_PREFIX`)
 * into the outbox, then removes them from storage. Idempotent on the decision id. Without a
 * connection they stay in storage until there is one (they have no account to belong to yet).
 * Returns the draft ids saved.
 */
export async function collectHandoffs(
  withDb: <T>(fn: (db: CountersignDb) => Promise<T>) => Promise<T>,
  settings: Settings | null,
  storage: Pick<typeof browser.storage.local, 'get' | 'remove'> = browser.storage.local,
): Promise<string[]> {
  if (!settings) return [];
  const all = (await storage.get(null)) as Record<string, unknown>;
  const keys = Object.keys(all).filter((k) => k.startsWith(HANDOFF_PREFIX));
  if (keys.length === 0) return [];
  const account = accountKey(settings);
  const saved: string[] = [];
  const done: string[] = [];
  for (const key of keys) {
    const parsed = Handoff.safeParse(all[key]);
    if (!parsed.success || HANDOFF_PREFIX + parsed.data.decision.id !== key) {
      done.push(key); // unreadable: nothing can be done with it
      continue;
    }
    const { decision, sendAfter } = parsed.data;
    const { created } = await withDb((db) =>
      saveDecisionLocally(db, decision, account, new Date(), sendAfter ? new Date(sendAfter) : null),
    );
    if (created) saved.push(decision.draftId);
    done.push(key);
  }
  await storage.remove(done);
  return saved;
}
