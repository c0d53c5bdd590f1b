import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { OptionsApp } from '../../components/options/OptionsApp';
import { PopupApp } from '../../components/popup/PopupApp';
import type { Role } from '../../lib/shared/schema';
import type { SyncStatus } from '../../lib/shared/schema/protocol';
import { clearSettings, saveSettings } from '../../lib/worker/settings';
import { type Mounted, mount } from './panel-helpers';
import { workerForPages } from './worker-for-pages';

// "Open dashboard" in the popup and on the options page, for admins only (the role is known after Connect).

let mounted: Mounted | null = null;
let created: { url?: string }[];

function user(role: Role) {
  return { id: 'lead', name: 'Team Lead', role, specialties: [] };
}

function status(role: Role): SyncStatus {
  return {
    connected: true,
    user: { id: 'lead', name: 'Team Lead', role },
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

/** The worker's real handlers, reporting status `s`. */
function workerSays(s: SyncStatus) {
  workerForPages(() => s);
}

function button(name: string): HTMLButtonElement | undefined {
  return [...(mounted?.container.querySelectorAll('button') ?? [])].find((b) => b.textContent === name);
}

/** Lets effects and their async reads (storage, IndexedDB, messages) finish. */
async function settle(until: () => boolean) {
  await vi.waitFor(async () => {
    await act(async () => {});
    expect(until()).toBe(true);
  });
}

beforeEach(() => {
  fakeBrowser.reset();
  created = [];
  vi.spyOn(fakeBrowser.tabs, 'create').mockImplementation((async (props: { url?: string }) => {
    created.push(props);
    return {};
  }) as never);
});
afterEach(async () => {
  mounted?.unmount();
  mounted = null;
  vi.restoreAllMocks();
  await clearSettings();
});

describe('Open dashboard (admins)', () => {
  it('options page: an admin gets the button, which opens the dashboard page in a tab', async () => {
    await saveSettings({
      serverUrl: 'http://srv.test',
      token: 'tok',
      user: user('admin'),
      connectedAt: new Date().toISOString(),
    });
    workerSays(status('admin'));
    mounted = mount(<OptionsApp />);
    await settle(() => mounted!.container.textContent!.includes('Connected as'));
    const open = button('Open dashboard');
    expect(open).toBeDefined();
    await act(async () => open!.click());
    expect(created).toEqual([{ url: `chrome-extension://${fakeBrowser.runtime.id}/dashboard.html` }]);
  });

  it('options page: a reviewer gets "Calibration sessions" (the same page, their sessions only), not the dashboard', async () => {
    await saveSettings({
      serverUrl: 'http://srv.test',
      token: 'tok',
      user: user('reviewer'),
      connectedAt: new Date().toISOString(),
    });
    workerSays(status('reviewer'));
    mounted = mount(<OptionsApp />);
    await settle(() => mounted!.container.textContent!.includes('Connected as'));
    expect(button('Disconnect')).toBeDefined();
    expect(button('Open dashboard')).toBeUndefined();
    const sessions = button('Calibration sessions');
    expect(sessions).toBeDefined();
    await act(async () => sessions!.click());
    expect(created).toEqual([{ url: `chrome-extension://${fakeBrowser.runtime.id}/dashboard.html` }]);
  });

  it('popup: an admin gets the button; it opens the dashboard and closes the popup', async () => {
    workerSays(status('admin'));
    const close = vi.spyOn(window, 'close').mockImplementation(() => {});
    mounted = mount(<PopupApp />);
    await settle(() => button('Sync now') !== undefined);
    const open = button('Open dashboard');
    expect(open).toBeDefined();
    await act(async () => open!.click());
    expect(created).toEqual([{ url: `chrome-extension://${fakeBrowser.runtime.id}/dashboard.html` }]);
    expect(close).toHaveBeenCalled();
  });

  it('popup: a specialist gets "Calibration sessions", not the dashboard', async () => {
    workerSays(status('specialist'));
    mounted = mount(<PopupApp />);
    await settle(() => button('Sync now') !== undefined);
    expect(button('Open dashboard')).toBeUndefined();
    expect(button('Calibration sessions')).toBeDefined();
  });
});
