import { browser } from 'wxt/browser';

/** A content script registered at run time (needs the optional `scripting` permission). */
export type DynamicScript = Parameters<typeof browser.scripting.registerContentScripts>[0][number];

/** Registers `script`, or updates the one already registered under its id (matches, files). */
export async function putContentScript(script: DynamicScript): Promise<void> {
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [script.id] });
  if (existing.length > 0) await browser.scripting.updateContentScripts([script]);
  else await browser.scripting.registerContentScripts([script]);
}

/** Removes the script registered under `id`, if any (nothing to do without `scripting`: none can be). */
export async function removeContentScript(id: string): Promise<void> {
  if (!browser.scripting) return;
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [id] });
  if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [id] });
}
