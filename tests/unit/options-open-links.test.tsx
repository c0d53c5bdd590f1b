import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { OptionsApp } from '../../components/options/OptionsApp';
import { OPEN_SCRIPT_FILE, OPEN_SCRIPT_ID } from '../../lib/shared/open-link';
import { clearSettings, saveSettings } from '../../lib/worker/settings';
import { type Mounted, mount } from './panel-helpers';
import { installSandboxBrowser, type SandboxBrowserState } from './sandbox-browser';
import { connectedStatus, workerForPages } from './worker-for-pages';

// "Open notification links in the dashboard" on the options page (issue 15, item 6). As for the
// sandbox switch, the browser's permission prompt is stood in for (automation cannot answer it):
// what is tested is what the page asks for (the connected server's origin and `scripting`, nothing
// broader), that the worker then registers the open-link script on that server's /open pages only,
// and that unticking gives the origin back and unregisters it.

let mounted: Mounted | null = null;
let sb: SandboxBrowserState;
let asked: Array<{ permissions?: string[]; origins?: string[] }>;
let removed: Array<{ permissions?: string[]; origins?: string[] }>;

beforeEach(async () => {
  fakeBrowser.reset();
  sb = installSandboxBrowser();
  asked = [];
  removed = [];
  const p = browser.permissions as unknown as Record<string, unknown>;
  p.request = vi.fn(async (req: { permissions?: string[]; origins?: string[] }) => {
    asked.push(req);
    sb.granted = sb.answer;
    return sb.answer;
  });
  p.remove = vi.fn(async (req: { permissions?: string[]; origins?: string[] }) => {
    removed.push(req);
    sb.granted = false;
    return true;
  });
  workerForPages(() => connectedStatus(null));
  await saveSettings({
    serverUrl: 'https://review.example.com',
    token: 'tok',
    user: { id: 'olly', name: 'Olly', role: 'owner', specialties: [] },
    connectedAt: new Date().toISOString(),
  });
});
afterEach(async () => {
  mounted?.unmount();
  mounted = null;
  vi.restoreAllMocks();
  await clearSettings();
});

function checkbox(): HTMLInputElement | null {
  const label = [...(mounted?.container.querySelectorAll('label') ?? [])].find(
    (l) => l.textContent === 'Open notification links in the dashboard',
  );
  return label ? (mounted!.container.querySelector(`#${CSS.escape(label.htmlFor)}`) as HTMLInputElement) : null;
}
const shown = () => mounted?.container.querySelector('.open-links output')?.textContent ?? '';
async function settle(until: () => boolean) {
  await vi.waitFor(async () => {
    await act(async () => {});
    expect(until()).toBe(true);
  });
}

describe('Open notification links in the dashboard (options page)', () => {
  it('asks for the connected server only, registers the open-link script on its /open pages; unticking undoes it', async () => {
    mounted = mount(<OptionsApp />);
    await settle(() => checkbox() !== null && !checkbox()!.disabled);
    expect(checkbox()!.checked).toBe(false);
    await act(async () => checkbox()!.click());
    await settle(() => shown() !== '');
    expect(asked).toEqual([{ permissions: ['scripting'], origins: ['https://review.example.com/*'] }]);
    expect(shown()).toBe('Links to https://review.example.com/open/… now open the draft in the dashboard.');
    expect(checkbox()!.checked).toBe(true);
    expect(sb.registered.get(OPEN_SCRIPT_ID)).toMatchObject({
      matches: ['https://review.example.com/open/*'],
      js: [OPEN_SCRIPT_FILE],
    });

    await act(async () => checkbox()!.click());
    await settle(() => shown().startsWith('Notification links no longer'));
    // Only the origin goes back: `scripting` may still serve the sandbox pages.
    expect(removed).toEqual([{ origins: ['https://review.example.com/*'] }]);
    expect(sb.registered.has(OPEN_SCRIPT_ID)).toBe(false);
  });

  it('a refused prompt leaves it off and says so', async () => {
    sb.answer = false;
    mounted = mount(<OptionsApp />);
    await settle(() => checkbox() !== null && !checkbox()!.disabled);
    await act(async () => checkbox()!.click());
    await settle(() => shown() !== '');
    expect(shown()).toBe('Links stay as they are: access to https://review.example.com was not granted.');
    expect(checkbox()!.checked).toBe(false);
    expect(sb.registered.has(OPEN_SCRIPT_ID)).toBe(false);
  });
});
