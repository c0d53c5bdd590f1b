import { browser } from 'wxt/browser';

export { pageUrl, SANDBOX_SITES, sandboxView } from './sites/page-url';

/**
 * "Enable sandbox pages" (issue 5). The shipped manifest never matches localhost; a person who wants to
 * try the panel on the sandbox pages `npm start` serves turns them on from the options page, which
 * asks for the optional host permission and registers the review content script for the sandbox
 * paths at run time. Automated runs never go through here (they cannot answer a permission dialog):
 * they serve the same pages at the real sites' URLs through Playwright routing.
 *
 * Needs the `scripting` permission in the manifest (registerContentScripts).
 */

/** The optional host permissions the sandbox needs (already listed in the manifest's optional_host_permissions). */
export const SANDBOX_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

/** Where the server serves the sandbox pages. Match patterns without a port match every port. */
export const SANDBOX_MATCHES = ['http://127.0.0.1/sandbox/*', 'http://localhost/sandbox/*'];

export const SANDBOX_SCRIPT_ID = 'countersign-sandbox';

/** The content script files the manifest lists for the supported sites: the same bundle runs on the sandbox. */
function reviewScriptFiles(): { js: string[]; css: string[] } {
  const scripts = browser.runtime.getManifest().content_scripts ?? [];
  const review = scripts.find((s) => s.matches?.some((m) => m.startsWith('https://mail.google.com/'))) ?? scripts[0];
  if (!review?.js?.length) throw new Error('the manifest lists no review content script');
  return { js: review.js, css: review.css ?? [] };
}

/** Whether the person granted the sandbox host permission. */
export async function hasSandboxPermission(): Promise<boolean> {
  return browser.permissions.contains({ origins: SANDBOX_ORIGINS });
}

/** Registers (or refreshes) the review content script on the sandbox pages. */
export async function registerSandboxScript(): Promise<void> {
  const { js, css } = reviewScriptFiles();
  const script = {
    id: SANDBOX_SCRIPT_ID,
    matches: SANDBOX_MATCHES,
    js,
    ...(css.length ? { css } : {}),
    runAt: 'document_idle' as const,
    persistAcrossSessions: true,
  };
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SANDBOX_SCRIPT_ID] });
  if (existing.length > 0) await browser.scripting.updateContentScripts([script]);
  else await browser.scripting.registerContentScripts([script]);
}

/**
 * Asks for the sandbox permission and, when granted, registers the content script there.
 * Call it straight from the click handler of "Enable sandbox pages": browsers only show the
 * permission prompt during a user gesture. Resolves to whether the sandbox is now on.
 */
export async function enableSandbox(): Promise<boolean> {
  const granted = await browser.permissions.request({ origins: SANDBOX_ORIGINS });
  if (!granted) return false;
  await registerSandboxScript();
  return true;
}

/** Unregisters the sandbox script and gives the permission back. */
export async function disableSandbox(): Promise<void> {
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SANDBOX_SCRIPT_ID] });
  if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [SANDBOX_SCRIPT_ID] });
  await browser.permissions.remove({ origins: SANDBOX_ORIGINS });
}

/**
 * Brings the registration in line with the permission: call at every service-worker start (a new
 * extension version drops dynamic scripts; a person can also revoke the permission in the browser's
 * settings). Returns whether the sandbox is on.
 */
export async function syncSandboxRegistration(): Promise<boolean> {
  const on = await hasSandboxPermission();
  if (on) await registerSandboxScript();
  else {
    const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SANDBOX_SCRIPT_ID] });
    if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [SANDBOX_SCRIPT_ID] });
  }
  return on;
}
