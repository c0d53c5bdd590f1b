/**
 * Notification links (issue 15, item 6). A notification points at the server's `GET /open/{id}`, a
 * page that decides nothing and needs no token. When the person allowed it (options page, "Open
 * notification links in the dashboard"), the worker registers a small content script on that page
 * of *their* server (entrypoints/open-link.content.ts, lib/worker/open-link.ts); the script reads the
 * page's marker and asks the worker to show the draft in the dashboard's draft view
 * (`dashboard.html?draft=<id>`), where the person decides — through the same outbox as the panel.
 */

import { OPEN_ID } from './schema/common';

/** `<meta name="countersign-open" content="<draft id>">` on the /open page. */
export const OPEN_MARKER = 'countersign-open';

/** What an /open link's id may be (the server answers 404 for anything else). */
export { OPEN_ID };

/**
 * The optional host permission the manifest declares for this: any https server (a remote server
 * must be reached over https; a loopback one is covered by the sandbox's optional origins). Only the
 * connected server's origin is ever asked for (`openLinkAccess`).
 */
export const OPEN_LINK_ORIGINS = ['https://*/*'];

/** The id of the dynamically registered content script. */
export const OPEN_SCRIPT_ID = 'countersign-open-link';

/** The built file of entrypoints/open-link.content.ts (WXT: `content-scripts/<name>.js`; not in the manifest). */
export const OPEN_SCRIPT_FILE = 'content-scripts/open-link.js';

export interface OpenLinkAccess {
  /** The host permission it needs (optional in the manifest; asked for from the options page). */
  origins: string[];
  /**
   * Where the content script runs. Match patterns carry no port (Firefox does not take one), so the
   * worker checks the sender's exact origin and path before acting (`isOpenPageOf`).
   */
  matches: string[];
}

/** The server's base path without a trailing slash ('' at the root). */
function basePath(u: URL): string {
  return u.pathname.replace(/\/+$/, '');
}

/** What the open-link script of the server at `serverUrl` needs; null for a URL that is not http(s). */
export function openLinkAccess(serverUrl: string): OpenLinkAccess | null {
  if (!URL.canParse(serverUrl)) return null;
  const u = new URL(serverUrl);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  return {
    origins: [`${u.protocol}//${u.hostname}/*`],
    matches: [`${u.protocol}//${u.hostname}${basePath(u)}/open/*`],
  };
}

/** The dashboard path that shows one draft for review. */
export function draftViewPath(draftId: string): string {
  return `/dashboard.html?draft=${encodeURIComponent(draftId)}`;
}

/**
 * Whether `pageUrl` is an /open page of the server at `serverUrl` (same origin, port included, and
 * path `<base>/open/<id>`), and which draft it names; null otherwise.
 */
export function isOpenPageOf(pageUrl: string, serverUrl: string): string | null {
  if (!URL.canParse(pageUrl) || !URL.canParse(serverUrl)) return null;
  const page = new URL(pageUrl);
  const server = new URL(serverUrl);
  if (page.origin !== server.origin) return null;
  const prefix = `${basePath(server)}/open/`;
  if (!page.pathname.startsWith(prefix)) return null;
  const rest = page.pathname.slice(prefix.length);
  let id: string;
  try {
    id = decodeURIComponent(rest);
  } catch {
    return null;
  }
  return OPEN_ID.test(id) ? id : null;
}
