import { browser } from 'wxt/browser';
import { OPEN_SCRIPT_FILE, OPEN_SCRIPT_ID, type OpenLinkAccess, openLinkAccess } from '../shared/open-link';
import { putContentScript, removeContentScript } from './content-scripts';
import type { Settings } from './settings';

/**
 * Notification links (issue 15, item 6; lib/shared/open-link.ts). The open-link content script is
 * registered at run time for the /open pages of the connected server only, and only while the
 * person has granted this extension that server's origin and `scripting` (both optional; asked for
 * by the options page's "Open notification links in the dashboard", or already granted for a
 * loopback server with the sandbox pages). The shipped manifest matches no server.
 */

/** The permission request for a server's open-link script. */
export function openLinkRequest(access: OpenLinkAccess): { permissions: ['scripting']; origins: string[] } {
  return { permissions: ['scripting'], origins: access.origins };
}

let chain: Promise<unknown> = Promise.resolve();

/**
 * Brings the registration in line with the connection and the permission: registered (or moved)
 * for the connected server's /open pages when granted, removed otherwise. Calls are serialised so two
 * never race on the script id. Returns whether links open in the dashboard now.
 */
export function syncOpenLinkRegistration(settings: Settings | null): Promise<boolean> {
  const run = chain.then(() => doSync(settings));
  chain = run.catch(() => {});
  return run;
}

async function doSync(settings: Settings | null): Promise<boolean> {
  const access = settings ? openLinkAccess(settings.serverUrl) : null;
  const on = !!access && (await browser.permissions.contains(openLinkRequest(access)));
  // Without `scripting` nothing can be registered, nor is anything left registered (it goes with it).
  if (!browser.scripting) return false;
  if (!on || !access) {
    await removeContentScript(OPEN_SCRIPT_ID);
    return false;
  }
  await putContentScript({
    id: OPEN_SCRIPT_ID,
    matches: access.matches,
    js: [OPEN_SCRIPT_FILE],
    runAt: 'document_idle',
    persistAcrossSessions: true,
  });
  return true;
}
