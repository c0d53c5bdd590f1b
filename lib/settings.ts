import { browser } from 'wxt/browser';
import { z } from 'zod';
import { Me } from './schema';

/**
 * The connection to the review server: URL, access token and who the token belongs to.
 * Lives only in `browser.storage.local` (issue 3: the token never reaches a page, a content
 * script message or a log). Read it from the worker, the options page, the popup and the dashboard.
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

/** Normalises what a person typed into the "Server URL" field; `null` when it is not an http(s) URL. */
export function normaliseServerUrl(input: string): string | null {
  const trimmed = input.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  // Drop trailing slashes, query and hash: API paths are appended to this base.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The stored connection, or `null` when not connected (or when the stored value is unreadable). */
export async function getSettings(): Promise<Settings | null> {
  const got = await browser.storage.local.get(KEY);
  const parsed = Settings.safeParse(got[KEY]);
  return parsed.success ? parsed.data : null;
}

export async function saveSettings(settings: Settings): Promise<void> {
  await browser.storage.local.set({ [KEY]: Settings.parse(settings) });
}

export async function clearSettings(): Promise<void> {
  await browser.storage.local.remove(KEY);
}

/** A stable key for "this person on this server": outbox rows and the local snapshot belong to one. */
export function accountKey(s: Pick<Settings, 'serverUrl' | 'user'>): string {
  return `${s.serverUrl}|${s.user.id}`;
}

/**
 * Calls `listener` whenever the stored connection changes (connect, disconnect, another context's
 * write). Returns the unsubscribe function.
 */
export function onSettingsChanged(listener: (next: Settings | null) => void): () => void {
  const handler = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area !== 'local' || !(KEY in changes)) return;
    const parsed = Settings.safeParse(changes[KEY]?.newValue);
    listener(parsed.success ? parsed.data : null);
  };
  browser.storage.onChanged.addListener(handler);
  return () => browser.storage.onChanged.removeListener(handler);
}
