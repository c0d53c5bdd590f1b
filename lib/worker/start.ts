import { browser } from 'wxt/browser';
import { createApiClient } from '../shared/api-client';
import { HANDOFF_PREFIX } from '../shared/schema/protocol';
import { withDb } from './db';
import { createSyncEngine, type SyncReason } from './engine';
import { createHandlers } from './handlers';
import { collectHandoffs } from './handoff';
import { createLiveConnection } from './live';
import { createEventHub, registerHandlers } from './messaging';
import { syncOpenLinkRegistration } from './open-link';
import { syncSandboxRegistration } from './sandbox';
import { getSettings, onSettingsChanged } from './settings';

export const SYNC_ALARM = 'countersign-sync';
/** chrome.alarms' minimum period (docs/toolchain.md). */
const ALARM_PERIOD_MIN = 0.5;

/**
 * Wires the sync engine into the MV3 service worker. Every listener is registered synchronously
 * during the worker's first turn, as MV3 requires for events that wake a stopped worker.
 */
export function startWorker(): void {
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let heldTimer: ReturnType<typeof setTimeout> | undefined;
  let heldAt = Number.POSITIVE_INFINITY;
  let pendingIds = new Set<string>();
  let flushQueued = false;

  const engine = createSyncEngine({
    withDb: (fn) => withDb(fn),
    getSettings,
    makeClient: (s) => createApiClient({ baseUrl: s.serverUrl, token: s.token }),
    locks: typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null,
    onChange: (ids) => changed(ids),
    scheduleRetry: (ms) => {
      clearTimeout(retryTimer);
      // Timers die with the worker; the alarm (every 30 s) is the fallback for longer waits.
      if (ms < 25_000) retryTimer = setTimeout(() => run('retry'), ms + 50);
    },
    scheduleHeld: (ms) => {
      // The earliest held decision wins; the alarm covers a worker stopped before it is due.
      const at = Date.now() + ms;
      if (heldTimer && at >= heldAt) return;
      clearTimeout(heldTimer);
      heldAt = at;
      heldTimer = setTimeout(() => {
        heldTimer = undefined;
        heldAt = Number.POSITIVE_INFINITY;
        run('retry');
      }, ms + 50);
    },
  });

  // Coalesce bursts (a pull page, a batch of results): the first change goes out at once (tabs
  // agree within a second, issue 3 §8), later ones at most every 100 ms, so a long sync does not
  // spend its time computing statuses nobody has read yet.
  let lastFlush = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  function changed(ids: string[]) {
    for (const id of ids) pendingIds.add(id);
    if (flushQueued) return;
    flushQueued = true;
    const wait = Math.max(0, lastFlush + 100 - Date.now());
    flushTimer = setTimeout(flush, wait);
  }
  async function flush() {
    flushQueued = false;
    clearTimeout(flushTimer);
    lastFlush = Date.now();
    const draftIds = [...pendingIds];
    pendingIds = new Set();
    try {
      const status = await engine.status();
      hub.broadcast({ type: 'changed', draftIds, status });
      await updateBadge(status.waiting, status.paused || status.problem !== null);
    } catch (err) {
      console.warn('[countersign] status broadcast failed', err);
    }
  }

  function run(reason: SyncReason) {
    // Decisions a tab could not hand over first (they may have waited in storage since it closed).
    collect()
      .then(() => engine.sync(reason))
      .catch((err) => console.warn('[countersign] sync failed', reason, err));
  }
  async function collect() {
    try {
      const ids = await collectHandoffs((fn) => withDb(fn), await getSettings());
      if (ids.length) changed(ids);
    } catch (err) {
      console.warn('[countersign] collecting handed-off decisions failed', err);
    }
  }

  // The server's live stream while a panel, the popup or the dashboard is open (lib/worker/live.ts).
  const live = createLiveConnection({ getSettings, onChanges: () => run('live') });
  const hub = createEventHub(
    (hello) => {
      // A panel or popup opened: refresh now (issue 3 §5). Reconnects after a worker stop do not.
      if (hello.reason === 'open') run('open');
    },
    (open) => live.want(open > 0),
  );

  registerHandlers(createHandlers({ engine, withDb: (fn) => withDb(fn), getSettings, onSaved: changed }));

  onSettingsChanged((next) => {
    live.restart();
    // Notification links follow the connection: the /open pages of the server now connected, if granted.
    syncOpenLinkRegistration(next).catch((err) => console.warn('[countersign] open-link registration failed', err));
    engine.settingsChanged(next).catch((err) => console.warn('[countersign] settings change failed', err));
  });

  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && Object.keys(changes).some((k) => k.startsWith(HANDOFF_PREFIX) && changes[k]?.newValue)) {
      run('write');
    }
  });

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === SYNC_ALARM) run('alarm');
  });
  browser.runtime.onStartup.addListener(() => run('startup'));
  browser.runtime.onInstalled.addListener(() => run('startup'));

  // Re-created at every worker start (docs/toolchain.md): alarms can be lost on update or restart.
  void browser.alarms.create(SYNC_ALARM, { periodInMinutes: ALARM_PERIOD_MIN, delayInMinutes: ALARM_PERIOD_MIN });
  // A worker start means something woke us: push whatever a previous instance left pending.
  run('startup');
  changed([]);

  // "Enable sandbox pages" (lib/worker/sandbox.ts): bring the run-time registration in line with the
  // permission at every start (the person may have revoked it in the browser's settings). Not on
  // permissions.onAdded: the options page registers right after the grant, and two registrations
  // racing fail on the duplicate script id.
  syncSandboxRegistration().catch((err) => console.warn('[countersign] sandbox registration failed', err));

  // Notification links (lib/worker/open-link.ts): at every start, and whenever a grant changes (the
  // options page's checkbox, the sandbox's loopback grant, a revocation in the browser's settings).
  // Serialised inside, so these never race on the script id.
  const syncOpenLink = () =>
    getSettings()
      .then(syncOpenLinkRegistration)
      .catch((err) => console.warn('[countersign] open-link registration failed', err));
  browser.permissions.onAdded.addListener(() => void syncOpenLink());
  browser.permissions.onRemoved.addListener(() => void syncOpenLink());
  void syncOpenLink();
}

async function updateBadge(waiting: number, problem: boolean): Promise<void> {
  const action = browser.action ?? (browser as unknown as { browserAction?: typeof browser.action }).browserAction;
  if (!action) return;
  await action.setBadgeText({ text: waiting > 0 ? String(waiting > 999 ? '999+' : waiting) : '' });
  await action.setBadgeBackgroundColor({ color: problem ? '#b3261e' : '#1a73e8' });
}
