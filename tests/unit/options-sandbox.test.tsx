import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { OptionsApp } from '../../components/options/OptionsApp';
import { SANDBOX_MATCHES, SANDBOX_SCRIPT_ID } from '../../lib/shared/sandbox';
import { clearSettings, saveSettings } from '../../lib/worker/settings';
import { type Mounted, mount } from './panel-helpers';
import { installSandboxBrowser, type SandboxBrowserState } from './sandbox-browser';
import { connectedStatus, workerForPages } from './worker-for-pages';

// "Enable sandbox pages" on the options page (issue 5 §2).
// An automated test cannot answer the browser's permission prompt: `permissions.request` below is a
// stand-in that answers as the person would. What is tested for real is the page around it: the box
// reflects the permission already granted, ticking it calls the request and registers the review
// script with `scripting.registerContentScripts`, the result is shown, and unticking turns it off.

let mounted: Mounted | null = null;
let sb: SandboxBrowserState;

beforeEach(() => {
  fakeBrowser.reset();
  sb = installSandboxBrowser();
  // The worker's real handlers answer the page (connection, sandbox registration).
  workerForPages(() => connectedStatus(null));
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
    sb.granted = true;
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
    expect(sb.registered.get(SANDBOX_SCRIPT_ID)).toMatchObject({
      matches: SANDBOX_MATCHES,
      js: ['content-scripts/review.js'],
    });
    // Not connected to a loopback server: no links to guess at.
    expect(links()).toEqual([]);

    await act(async () => checkbox()!.click());
    await settle(() => shown().includes('off'));
    expect(checkbox()!.checked).toBe(false);
    expect(sb.registered.size).toBe(0);
    expect(sb.granted).toBe(false);
  });

  it('stays off and says why when the permission is not granted', async () => {
    sb.answer = false;
    await open();
    await act(async () => checkbox()!.click());
    await settle(() => shown() !== '');
    expect(shown()).toContain('stay off');
    expect(checkbox()!.checked).toBe(false);
    expect(sb.registered.size).toBe(0);
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
