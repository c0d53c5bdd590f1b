import { browser } from 'wxt/browser';
import { SANDBOX_MATCHES, SANDBOX_REQUEST, SANDBOX_SCRIPT_ID } from '../shared/sandbox';
import { putContentScript, removeContentScript } from './content-scripts';

/**
 * "Enable sandbox pages" (issue 5). The shipped manifest never matches localhost; a person who wants to
 * try the panel on the sandbox pages `npm start` serves turns them on from the options page, which
 * asks for the optional host permission and registers the review content script for the sandbox
 * paths at run time. Automated runs never go through here (they cannot answer a permission dialog):
 * they serve the same pages at the real sites' URLs through Playwright routing.
 *
 * Needs the `scripting` permission (registerContentScripts): optional in the manifest, asked for with
 * the loopback access (SANDBOX_REQUEST), so `browser.scripting` is absent until the person grants it.
 */

/** The content script files the manifest lists for the supported sites: the same bundle runs on the sandbox. */
function reviewScriptFiles(): { js: string[]; css: string[] } {
  const scripts = browser.runtime.getManifest().content_scripts ?? [];
  const review = scripts.find((s) => s.matches?.some((m) => m.startsWith('https://mail.google.com/'))) ?? scripts[0];
  if (!review?.js?.length) throw new Error('the manifest lists no review content script');
  return { js: review.js, css: review.css ?? [] };
}

/** Registers (or refreshes) the review content script on the sandbox pages. */
export async function registerSandboxScript(): Promise<void> {
  const { js, css } = reviewScriptFiles();
  await putContentScript({
    id: SANDBOX_SCRIPT_ID,
    matches: SANDBOX_MATCHES,
    js,
    ...(css.length ? { css } : {}),
    runAt: 'document_idle',
    persistAcrossSessions: true,
  });
}

/**
 * Brings the registration in line with the permission: call at every service-worker start (a new
 * extension version drops dynamic scripts; a person can also revoke the permission in the browser's
 * settings). Returns whether the sandbox is on.
 */
export async function syncSandboxRegistration(): Promise<boolean> {
  const on = await browser.permissions.contains(SANDBOX_REQUEST);
  if (on) await registerSandboxScript();
  // Still granted `scripting` but no longer the loopback access (revoked in the browser's settings).
  else await removeContentScript(SANDBOX_SCRIPT_ID);
  return on;
}
