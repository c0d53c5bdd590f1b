import { browser } from 'wxt/browser';
import { openLinkAccess } from '../shared/open-link';
import { sendRequest } from './messaging';

/**
 * "Open notification links in the dashboard" from the options page (issue 15, item 6). The prompt
 * belongs to the page (browsers show it only during the click's user gesture); registering the
 * open-link script is the worker's (`syncOpenLink`, lib/worker/open-link.ts).
 */

function request(serverUrl: string) {
  const access = openLinkAccess(serverUrl);
  if (!access) throw new Error(`${serverUrl} is not an http(s) server URL`);
  return { permissions: ['scripting' as const], origins: access.origins };
}

/** Whether the person granted `scripting` and access to the server's origin. */
export async function hasOpenLinkPermission(serverUrl: string): Promise<boolean> {
  return browser.permissions.contains(request(serverUrl));
}

/** Call straight from the click handler. Resolves to whether links now open in the dashboard. */
export async function enableOpenLinks(serverUrl: string): Promise<boolean> {
  const granted = await browser.permissions.request(request(serverUrl));
  if (!granted) return false;
  return (await sendRequest('syncOpenLink', {})).on;
}

/**
 * Gives the server's origin back (the worker then unregisters the script). `scripting` stays when the
 * sandbox pages still use it.
 */
export async function disableOpenLinks(serverUrl: string): Promise<void> {
  await browser.permissions.remove({ origins: request(serverUrl).origins });
  await sendRequest('syncOpenLink', {});
}
