import { browser } from 'wxt/browser';
import { z } from 'zod';
import { Me } from '../shared/schema';
import { sameServer } from '../shared/server-url';
import { deleteMeta, getMeta, setMeta, withDb } from './db';

/**
 * The connection to the review server: URL, access token and who the token belongs to. Read it
 * from the worker, the options page, the popup and the dashboard, never from a content script.
 *
 * Where it lives (issue 3: the token never reaches a page, a content-script message or a log):
 * the URL and user in `browser.storage.local` (its change event tells every context), the token in
 * the extension's IndexedDB. Content scripts can read `storage.local` (the panel keeps its
 * placement there), but the extension's IndexedDB is out of their reach: a content script's
 * `indexedDB` is the page's.
 */
export const Settings = z.object({
  serverUrl: z.string().url(),
  token: z.string().min(1),
  /** Who `GET /v1/me` said the token belongs to at Connect time. */
  user: Me,
  connectedAt: z.string(),
});
export type Settings = z.infer<typeof Settings>;

const KEY = 'countersign:settings';

/** What `storage.local` holds: everything but the token. */
const PublicSettings = Settings.omit({ token: true });

export { normaliseServerUrl } from '../shared/server-url';

/** The stored connection, or `null` when not connected (or when the stored value is unreadable). */
export async function getSettings(): Promise<Settings | null> {
  const got = await browser.storage.local.get(KEY);
  const pub = PublicSettings.safeParse(got[KEY]);
  if (!pub.success) return null;
  const token = await withDb((db) => getMeta(db, 'token'));
  return token ? { ...pub.data, token } : null;
}

export async function saveSettings(settings: Settings): Promise<void> {
  const { token, ...pub } = Settings.parse(settings);
  // Token first: the storage.local write below is what tells the other contexts, and they must
  // find the new token when they look.
  await withDb((db) => setMeta(db, 'token', token));
  await browser.storage.local.set({ [KEY]: PublicSettings.parse(pub) });
}

export async function clearSettings(): Promise<void> {
  await browser.storage.local.remove(KEY);
  await withDb((db) => deleteMeta(db, 'token'));
}

/** A stable key for "this person on this server": outbox rows and the local snapshot belong to one. */
export function accountKey(s: Pick<Settings, 'serverUrl' | 'user'>): string {
  return `${s.serverUrl}|${s.user.id}`;
}

/** `other` is this account under another spelling of the server URL (same person, same server). */
export function sameAccount(account: string, other: string): boolean {
  const a = account.lastIndexOf('|');
  const b = other.lastIndexOf('|');
  if (a < 0 || b < 0 || account.slice(a + 1) !== other.slice(b + 1)) return false;
  return sameServer(account.slice(0, a), other.slice(0, b));
}

/**
 * Calls `listener` whenever the stored connection changes (connect, disconnect, another context's
 * write). Returns the unsubscribe function.
 */
export function onSettingsChanged(listener: (next: Settings | null) => void): () => void {
  const handler = (changes: Record<string, unknown>, area: string) => {
    if (area !== 'local' || !(KEY in changes)) return;
    void getSettings().then(listener, () => listener(null));
  };
  browser.storage.onChanged.addListener(handler);
  return () => browser.storage.onChanged.removeListener(handler);
}
