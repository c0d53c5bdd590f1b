import { expect, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { SANDBOX_REQUEST } from '../../lib/shared/sandbox';

/** What the stand-in browser below holds; tests read and set it. */
export interface SandboxBrowserState {
  registered: Map<string, { id: string; matches?: string[]; js?: string[] }>;
  /** Whether the loopback host permission is granted now. */
  granted: boolean;
  /** How the person answers the permission prompt. */
  answer: boolean;
}

/**
 * WXT's fake browser has no `permissions` prompt or `scripting` API: this installs stand-ins that
 * behave like Chromium's (a duplicate script id fails to register), for the sandbox switch
 * (issue 5 §2). An automated test cannot answer the real permission prompt; `state.answer` does.
 */
export function installSandboxBrowser(): SandboxBrowserState {
  const state: SandboxBrowserState = { registered: new Map(), granted: false, answer: true };
  const b = browser as unknown as Record<string, Record<string, unknown>>;
  b.runtime!.getManifest = () => ({
    content_scripts: [{ matches: ['https://mail.google.com/*'], js: ['content-scripts/review.js'] }],
  });
  b.permissions!.request = vi.fn(async (req: { permissions?: string[]; origins?: string[] }) => {
    // Loopback access and the optional `scripting` permission, in one prompt.
    expect(req).toEqual(SANDBOX_REQUEST);
    state.granted = state.answer;
    return state.answer;
  });
  b.permissions!.contains = vi.fn(async () => state.granted);
  b.permissions!.remove = vi.fn(async () => {
    state.granted = false;
    return true;
  });
  b.scripting = {
    getRegisteredContentScripts: vi.fn(async ({ ids }: { ids: string[] }) =>
      ids.flatMap((id) => (state.registered.has(id) ? [state.registered.get(id)] : [])),
    ),
    registerContentScripts: vi.fn(async (s: { id: string }[]) => {
      for (const x of s) {
        if (state.registered.has(x.id)) throw new Error('duplicate id');
        state.registered.set(x.id, x);
      }
    }),
    updateContentScripts: vi.fn(async (s: { id: string }[]) => {
      for (const x of s) state.registered.set(x.id, x);
    }),
    unregisterContentScripts: vi.fn(async ({ ids }: { ids: string[] }) => {
      for (const id of ids) state.registered.delete(id);
    }),
  };
  return state;
}
