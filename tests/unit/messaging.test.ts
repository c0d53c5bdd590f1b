import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { isWorkerAsleepError, sendRequest } from '../../lib/client/messaging';
import { splitForContext } from '../../lib/shared/match';
import { MessagingError, type SyncStatus } from '../../lib/shared/schema/protocol';
import { makeDecision, makeDraft } from '../../lib/worker/db/testing';
import { dispatchRequest, type Handlers } from '../../lib/worker/messaging';

const EXT = 'our-extension-id';
const SELF = { id: EXT, pagesUrl: `chrome-extension://${EXT}/` };
const status: SyncStatus = {
  connected: true,
  user: { id: 'ana', name: 'Ana', role: 'reviewer' },
  paused: false,
  syncing: false,
  waiting: 1,
  unsynced: 0,
  lastSyncAt: null,
  nextRetryAt: null,
  problem: null,
  attention: [],
};

function handlers(over: Partial<Handlers> = {}): Handlers {
  return {
    getDrafts: async () => ({ matching: [], matchingTotal: 0, others: [], othersTotal: 0, status }),
    saveDecision: async () => ({ saved: true, decisionId: 'x' }),
    cancelDecision: async () => ({ cancelled: false }),
    getStatus: async () => status,
    syncNow: async () => status,
    dismissProblem: async () => status,
    getConnection: async () => null,
    connect: async () => ({ ok: false, field: null, message: 'not in this test' }),
    disconnect: async () => ({ disconnected: true }),
    getApiAccess: async () => ({ serverUrl: 'http://srv.test', token: 'tok' }),
    syncSandbox: async () => ({ on: false }),
    reportPage: async () => ({ saved: true }),
    reportHealth: async () => ({ counted: 0 }),
    claim: async () => ({ held: true, heldBy: null, until: null }),
    getLocalDecision: async () => ({ local: null }),
    getLocalDraft: async () => ({ draft: null, syncedAt: null }),
    openDraft: async () => ({ opened: true }),
    syncOpenLink: async () => ({ on: false }),
    ...over,
  };
}

describe('dispatchRequest', () => {
  it('routes a valid request to its handler with the parsed payload', async () => {
    const saveDecision = vi.fn(handlers().saveDecision);
    const decision = makeDecision('d1');
    const reply = await dispatchRequest(
      { countersign: 1, type: 'saveDecision', payload: { decision } },
      { id: EXT, tab: { id: 3 } },
      SELF,
      handlers({ saveDecision }),
    );
    expect(reply).toMatchObject({ ok: true, data: { saved: true } });
    expect(saveDecision).toHaveBeenCalledWith({ decision }, expect.anything());
  });

  it('refuses senders that are not this extension', async () => {
    const saveDecision = vi.fn(handlers().saveDecision);
    for (const sender of [{ id: 'someone-else' }, {}, undefined]) {
      const reply = await dispatchRequest(
        { countersign: 1, type: 'saveDecision', payload: { decision: makeDecision('d1') } },
        sender,
        SELF,
        handlers({ saveDecision }),
      );
      expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    }
    expect(saveDecision).not.toHaveBeenCalled();
  });

  it('answers connection and token requests only to the extension’s own pages', async () => {
    const getApiAccess = vi.fn(handlers().getApiAccess);
    const ask = (sender: { id: string; url?: string }) =>
      dispatchRequest({ countersign: 1, type: 'getApiAccess', payload: {} }, sender, SELF, handlers({ getApiAccess }));
    // A content script: this extension's id, but a web page's URL.
    for (const url of ['https://mail.google.com/mail/u/0/', undefined, 'chrome-extension://other-id/dashboard.html']) {
      expect(await ask({ id: EXT, url })).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
    }
    expect(getApiAccess).not.toHaveBeenCalled();
    expect(await ask({ id: EXT, url: `chrome-extension://${EXT}/dashboard.html` })).toMatchObject({
      ok: true,
      data: { serverUrl: 'http://srv.test', token: 'tok' },
    });
  });

  it('rejects malformed payloads without calling the handler', async () => {
    const saveDecision = vi.fn(handlers().saveDecision);
    const bad = [
      { countersign: 1, type: 'saveDecision', payload: { decision: { ...makeDecision('d1'), id: 'not-a-uuid' } } },
      { countersign: 1, type: 'saveDecision', payload: { decision: { ...makeDecision('d1'), action: 'delete' } } },
      { countersign: 1, type: 'saveDecision', payload: { decision: { ...makeDecision('d1'), token: 'x' } } },
      { countersign: 1, type: 'saveDecision' },
      { countersign: 1, type: 'dropDatabase', payload: {} },
    ];
    for (const msg of bad) {
      const reply = await dispatchRequest(msg, { id: EXT }, SELF, handlers({ saveDecision }));
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    }
    expect(saveDecision).not.toHaveBeenCalled();
  });

  it('ignores messages of other protocols (leaves them unanswered)', async () => {
    expect(await dispatchRequest({ type: 'saveDecision' }, { id: EXT }, SELF, handlers())).toBeUndefined();
    expect(await dispatchRequest('hello', { id: EXT }, SELF, handlers())).toBeUndefined();
  });

  it('reports handler errors with their code, and checks its own replies', async () => {
    const reply = await dispatchRequest(
      { countersign: 1, type: 'getStatus', payload: {} },
      { id: EXT },
      SELF,
      handlers({
        getStatus: async () => {
          throw new MessagingError('not_connected', 'Not connected');
        },
      }),
    );
    expect(reply).toEqual({ ok: false, error: { code: 'not_connected', message: 'Not connected' } });
    const broken = await dispatchRequest(
      { countersign: 1, type: 'getStatus', payload: {} },
      { id: EXT },
      SELF,
      handlers({ getStatus: async () => ({ ...status, waiting: 'many' }) as unknown as SyncStatus }),
    );
    expect(broken).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('sendRequest (content script side)', () => {
  beforeEach(() => {
    vi.restoreAllMocks();
    fakeBrowser.reset();
  });

  it('retries while the worker is asleep, then parses the reply', async () => {
    let calls = 0;
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async () => {
      calls += 1;
      if (calls < 3) throw new Error('Could not establish connection. Receiving end does not exist.');
      return { ok: true, data: status };
    }) as never);
    await expect(sendRequest('getStatus', {})).resolves.toEqual(status);
    expect(calls).toBe(3);
  });

  it('does not retry other errors, and surfaces worker error codes', async () => {
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async () => ({
      ok: false,
      error: { code: 'not_connected', message: 'Not connected' },
    })) as never);
    await expect(sendRequest('getStatus', {})).rejects.toMatchObject({ code: 'not_connected' });
  });

  it('refuses a reply of the wrong shape', async () => {
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async () => ({
      ok: true,
      data: { token: 'leak?' },
    })) as never);
    await expect(sendRequest('getStatus', {})).rejects.toMatchObject({ code: 'invalid_message' });
  });

  it('validates outgoing payloads before sending', async () => {
    const spy = vi.spyOn(fakeBrowser.runtime, 'sendMessage');
    await expect(
      sendRequest('saveDecision', { decision: { ...makeDecision('d1'), id: 'nope' } }),
    ).rejects.toBeDefined();
    expect(spy).not.toHaveBeenCalled();
  });

  it('knows the asleep-worker errors', () => {
    expect(isWorkerAsleepError(new Error('Could not establish connection. Receiving end does not exist.'))).toBe(true);
    expect(isWorkerAsleepError(new Error('The message port closed before a response was received.'))).toBe(true);
    expect(isWorkerAsleepError(new Error('Extension context invalidated.'))).toBe(false);
  });
});

describe('splitForContext', () => {
  const item = (id: string, over: Record<string, unknown> = {}) => ({ draft: makeDraft(id, over), local: null });

  it('puts the page drafts first, best match first, then the rest of the queue', () => {
    const items = [
      item('a', { target: { email: 'x@other.test' }, account: { name: 'Other' } }),
      item('b', { target: { email: 'ana@acme.test', company: 'Acme' }, account: { name: 'Acme' } }),
      item('c', { target: { threadId: 't1', email: 'zed@acme.test' }, account: { name: 'Acme' } }),
    ];
    const ctx = { site: 'gmail' as const, emails: ['ana@acme.test'], names: [], threadId: 't1', editable: false };
    const view = splitForContext(items, ctx, 10);
    expect(view.matching.map((i) => i.draft.id)).toEqual(['c', 'b']);
    expect(view.others.map((i) => i.draft.id)).toEqual(['a']);
    expect(splitForContext(items, null, 1)).toMatchObject({ matching: [], othersTotal: 3 });
  });
});
