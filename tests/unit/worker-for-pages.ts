import { vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { SyncStatus } from '../../lib/shared/schema/protocol';
import { withDb } from '../../lib/worker/db';
import type { SyncEngine } from '../../lib/worker/engine';
import { createHandlers, type HandlerDeps } from '../../lib/worker/handlers';
import { dispatchRequest } from '../../lib/worker/messaging';
import { getSettings } from '../../lib/worker/settings';

/**
 * The worker's real request handlers behind `runtime.sendMessage`, for extension pages under test
 * (options, popup): messages go through `dispatchRequest` as if sent by the page `page` of this
 * extension, with the real settings store. WXT's fake browser sends with an empty sender, which the
 * worker rightly refuses, so the sender is filled in here. `status` is what the engine reports.
 */
export function workerForPages(
  status: () => SyncStatus,
  over: Partial<HandlerDeps> = {},
  page = 'options.html',
): ReturnType<typeof createHandlers> {
  const engine: SyncEngine = {
    sync: async () => {},
    syncSoon: () => {},
    status: async () => status(),
    settingsChanged: async () => {},
  };
  const handlers = createHandlers({
    engine,
    withDb: (fn) => withDb(fn),
    getSettings,
    onSaved: () => {},
    ...over,
  });
  const self = { id: fakeBrowser.runtime.id, pagesUrl: fakeBrowser.runtime.getURL('/') };
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (message: unknown) =>
    dispatchRequest(message, { id: self.id, url: self.pagesUrl + page }, self, handlers)) as never);
  return handlers;
}

/** A connected status for `user`. */
export function connectedStatus(user: SyncStatus['user']): SyncStatus {
  return {
    connected: true,
    user,
    paused: false,
    syncing: false,
    waiting: 3,
    unsynced: 0,
    lastSyncAt: null,
    nextRetryAt: null,
    problem: null,
    attention: [],
  };
}
