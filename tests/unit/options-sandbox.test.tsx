import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { OptionsApp } from '../../components/options/OptionsApp';
import { SANDBOX_MATCHES, SANDBOX_ORIGINS, SANDBOX_SCRIPT_ID } from '../../lib/sandbox';
import { clearSettings, saveSettings } from '../../lib/settings';
import { type Mounted, mount } from './panel-helpers';

// "Enable sandbox pages" on the options page (issue 5 §2).
// An automated test cannot answer the browser's permission prompt: `permissions.request` below is a
// stand-in that answers as the person would. What is tested for real is the page around it: the box
// reflects the permission already granted, ticking it calls the request and registers the review
// script with `scripting.registerContentScripts`, the result is shown, and unticking turns it off.

let mounted: Mounted | null = null;
const registered = new Map<string, { id: string; matches?: string[]; js?: string[] }>();
let granted = false;
let answer = true;

beforeEach(() => {
  fakeBrowser.reset();
  registered.clear();
  granted = false;
  answer = true;
  const b = browser as unknown as Record<string, Record<string, unknown>>;
  b.runtime!.getManifest = () => ({
    content_scripts: [{ matches: ['https://mail.google.com/*'], js: ['content-scripts/review.js'] }],
  });
  b.permissions!.request = vi.fn(async ({ origins }: { origins: string[] }) => {
    expect(origins).toEqual(SANDBOX_ORIGINS);
    granted = answer;
    return answer;
  });
  b.permissions!.contains = vi.fn(async () => granted);
  b.permissions!.remove = vi.fn(async () => {
    granted = false;
    return true;
  });
  b.scripting = {
    getRegisteredContentScripts: vi.fn(async ({ ids }: { ids: string[] }) =>
      ids.flatMap((id) => (registered.has(id) ? [registered.get(id)] : [])),
    ),
    registerContentScripts: vi.fn(async (s: { id: string }[]) => {
      for (const x of s) registered.set(x.id, x);
    }),
    updateContentScripts: vi.fn(async (s: { id: string }[]) => {
      for (const x of s) registered.set(x.id, x);
    }),
    unregisterContentScripts: vi.fn(async ({ ids }: { ids: string[] }) => {
      for (const id of ids) registered.delete(id);
    }),
  };
  // No worker here: the page's status requests get a plain "not connected" answer.
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async () => ({
    ok: false,
    error: { code: 'not_connected', message: 'Not connected' },
  })) as never);
});
afterEach(async () => {
  mounted?.unmount();
  mounted = null;
  vi.restoreAllMocks();
  await clearSettings();
});

function checkbox(): HTMLInputElement | null {
  const label = [...(mounted?.container.querySelectorAll('label') ?? [])].find(
    (l) => l.textContent === 'Enable sandbox pages',
  );
  return label ? (mounted!.container.querySelector(`#${CSS.escape(label.htmlFor)}`) as HTMLInputElement) : null;
}

function shown(): string {
  return mounted?.container.querySelector('.sandbox output')?.textContent ?? '';
}

function links(): string[] {
  return [...(mounted?.container.querySelectorAll('.sandbox a') ?? [])].map((a) => a.getAttribute('href') ?? '');
}

async function settle(until: () => boolean) {
  await vi.waitFor(async () => {
    await act(async () => {});
    expect(until()).toBe(true);
  });
}

async function open() {
  mounted = mount(<OptionsApp />);
  await settle(() => checkbox() !== null && !checkbox()!.disabled);
}

describe('Enable sandbox pages (options page)', () => {
  it('shows the permission already granted as on, with the sandbox pages of a loopback server', async () => {
    granted = true;
    await saveSettings({
      serverUrl: 'http://127.0.0.1:8787',
      token: 'tok',
      user: { id: 'ana', name: 'Ana', role: 'reviewer', specialties: [] },
      connectedAt: new Date().toISOString(),
    });
    await open();
    expect(checkbox()!.checked).toBe(true);
    await settle(() => links().length === 4);
    expect(links()).toContain('http://127.0.0.1:8787/sandbox/gmail');
  });

  it('ticking it asks for the loopback permission, registers the review script there and says so; unticking undoes both', async () => {
    await open();
    expect(checkbox()!.checked).toBe(false);
    await act(async () => checkbox()!.click());
    await settle(() => shown().includes('on'));
    expect(browser.permissions.request).toHaveBeenCalledTimes(1);
    expect(checkbox()!.checked).toBe(true);
    expect(shown()).toContain('Sandbox pages are on');
    expect(registered.get(SANDBOX_SCRIPT_ID)).toMatchObject({
      matches: SANDBOX_MATCHES,
      js: ['content-scripts/review.js'],
    });
    // Not connected to a loopback server: no links to guess at.
    expect(links()).toEqual([]);

    await act(async () => checkbox()!.click());
    await settle(() => shown().includes('off'));
    expect(checkbox()!.checked).toBe(false);
    expect(registered.size).toBe(0);
    expect(granted).toBe(false);
  });

  it('stays off and says why when the permission is not granted', async () => {
    answer = false;
    await open();
    await act(async () => checkbox()!.click());
    await settle(() => shown() !== '');
    expect(shown()).toContain('stay off');
    expect(checkbox()!.checked).toBe(false);
    expect(registered.size).toBe(0);
  });

  it('shows a failed registration instead of pretending it is on', async () => {
    (browser.scripting.registerContentScripts as unknown as ReturnType<typeof vi.fn>).mockRejectedValueOnce(
      new Error('Duplicate script ID'),
    );
    await open();
    await act(async () => checkbox()!.click());
    await settle(() => shown() !== '');
    expect(shown()).toContain('Could not turn the sandbox pages on: Duplicate script ID');
    // The permission was granted, so the box follows the browser's actual state.
    expect(checkbox()!.checked).toBe(true);
  });
});
