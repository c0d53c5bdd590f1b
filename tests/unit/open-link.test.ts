import { afterEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { draftViewPath, isOpenPageOf, openLinkAccess } from '../../lib/shared/open-link';
import { withDb } from '../../lib/worker/db';
import type { SyncEngine } from '../../lib/worker/engine';
import { createHandlers } from '../../lib/worker/handlers';
import { dispatchRequest } from '../../lib/worker/messaging';
import { clearSettings, getSettings, saveSettings } from '../../lib/worker/settings';

// Notification links (issue 15, item 6): which pages may hand a person to the dashboard's draft view.

describe('the open-link rules', () => {
  it('asks for the server origin only and matches only its /open pages (under its base path)', () => {
    expect(openLinkAccess('https://review.example.com')).toEqual({
      origins: ['https://review.example.com/*'],
      matches: ['https://review.example.com/open/*'],
    });
    expect(openLinkAccess('https://corp.example.com/countersign/')).toEqual({
      origins: ['https://corp.example.com/*'],
      matches: ['https://corp.example.com/countersign/open/*'],
    });
    // Match patterns carry no port: the worker checks the exact origin (isOpenPageOf).
    expect(openLinkAccess('http://127.0.0.1:8787')!.matches).toEqual(['http://127.0.0.1/open/*']);
    expect(openLinkAccess('ftp://x.example')).toBeNull();
    expect(openLinkAccess('not a url')).toBeNull();
  });

  it('an /open page of the connected server names its draft; anything else names none', () => {
    const server = 'http://127.0.0.1:8787';
    expect(isOpenPageOf('http://127.0.0.1:8787/open/d_123', server)).toBe('d_123');
    expect(isOpenPageOf('http://127.0.0.1:8787/open/d%3A1?x=1#y', server)).toBe('d:1');
    expect(isOpenPageOf('http://127.0.0.1:9999/open/d_123', server)).toBeNull(); // another port
    expect(isOpenPageOf('https://127.0.0.1:8787/open/d_123', server)).toBeNull();
    expect(isOpenPageOf('http://127.0.0.1:8787/sandbox/open/d_123', server)).toBeNull();
    expect(isOpenPageOf('http://127.0.0.1:8787/open/a/b', server)).toBeNull();
    expect(isOpenPageOf('http://127.0.0.1:8787/open/%E0%A4%A', server)).toBeNull();
    expect(isOpenPageOf('https://c.example/team/open/d1', 'https://c.example/team')).toBe('d1');
    expect(isOpenPageOf('https://c.example/open/d1', 'https://c.example/team')).toBeNull();
    expect(draftViewPath('d:1')).toBe('/dashboard.html?draft=d%3A1');
  });
});

describe('openDraft (worker)', () => {
  afterEach(() => clearSettings());
  const engine: SyncEngine = {
    sync: async () => {},
    syncSoon: () => {},
    status: async () => {
      throw new Error('not in this test');
    },
    settingsChanged: async () => {},
  };
  const self = { id: fakeBrowser.runtime.id, pagesUrl: fakeBrowser.runtime.getURL('/') };

  it('shows the draft view in the sender tab for its own server’s /open page only', async () => {
    await saveSettings({
      serverUrl: 'http://127.0.0.1:8787',
      token: 't',
      user: { id: 'maya', name: 'Maya', role: 'reviewer', specialties: [] },
      connectedAt: new Date().toISOString(),
    });
    const shown: Array<[string, number | undefined]> = [];
    const handlers = createHandlers({
      engine,
      withDb: (fn) => withDb(fn),
      getSettings,
      onSaved: () => {},
      showPage: async (url, tab) => {
        shown.push([url, tab]);
      },
    });
    const ask = (draftId: string, url: string) =>
      dispatchRequest(
        { countersign: 1, type: 'openDraft', payload: { draftId } },
        { id: self.id, url, tab: { id: 7 } },
        self,
        handlers,
      );
    expect(await ask('d_1', 'http://127.0.0.1:8787/open/d_1')).toEqual({ ok: true, data: { opened: true } });
    expect(shown).toEqual([[fakeBrowser.runtime.getURL('/dashboard.html?draft=d_1' as '/dashboard.html'), 7]]);
    for (const [id, url] of [
      ['d_1', 'http://127.0.0.1:9000/open/d_1'], // another server on this host
      ['d_2', 'http://127.0.0.1:8787/open/d_1'], // names another draft than its page
      ['d_1', 'https://mail.google.com/open/d_1'], // the review script's sites
    ] as const)
      expect(await ask(id, url)).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    expect(await ask('<b>', 'http://127.0.0.1:8787/open/<b>')).toMatchObject({
      ok: false,
      error: { code: 'invalid_message' },
    });
    expect(shown).toHaveLength(1);
  });
});
