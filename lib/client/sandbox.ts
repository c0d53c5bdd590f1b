import { browser } from 'wxt/browser';
import { SANDBOX_REQUEST } from '../shared/sandbox';
import { sendRequest } from './messaging';

/**
 * "Enable sandbox pages" from the options page. The permission prompt belongs to the page (browsers
 * show it only during the click's user gesture); registering the review script on the sandbox paths
 * is the worker's (`syncSandbox`, lib/worker/sandbox.ts), which brings the registration in line with
 * the permission. One path registers, so two registrations never race on the script id.
 */

/** Whether the person granted the sandbox permissions (loopback access and `scripting`). */
export async function hasSandboxPermission(): Promise<boolean> {
  return browser.permissions.contains(SANDBOX_REQUEST);
}

/** Call straight from the click handler. Resolves to whether the sandbox is now on. */
export async function enableSandbox(): Promise<boolean> {
  const granted = await browser.permissions.request(SANDBOX_REQUEST);
  if (!granted) return false;
  return (await sendRequest('syncSandbox', {})).on;
}

/** Gives the permission back; the worker then unregisters the script. */
export async function disableSandbox(): Promise<void> {
  await browser.permissions.remove(SANDBOX_REQUEST);
  await sendRequest('syncSandbox', {});
}
