import { act } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DraftReview, extensionWorker } from '../../components/dashboard/DraftReview';
import type { Me } from '../../lib/shared/schema';
import { getDb, resetDb } from '../../lib/worker/db';
import { clearSettings, saveSettings } from '../../lib/worker/settings';
import { decision, draftIn, postDrafts } from '../api/fixtures';
import { startTestApp, type TestApi } from '../helpers/server';
import { click, type Mounted, mount } from './panel-helpers';
import { connectedStatus, workerForPages } from './worker-for-pages';

// The dashboard's draft view (issue 15, item 6: where a notification link lands) against the real
// server app (in process, SQLite) and the worker's real request handlers (Dexie on fake-indexeddb):
// a draft to decide, one decided already, one escalated away from this reviewer, one that is not there.

let s: TestApi;
let pipe: string;
let maya: string;
let noah: string;
const me: Me = { id: 'maya', name: 'Maya', role: 'reviewer', specialties: [] };
let mounted: Mounted | null = null;

beforeAll(async () => {
  s = await startTestApp('sqlite');
  pipe = await s.token('pipeline');
  maya = await s.token('reviewer', { user: 'maya', name: 'Maya' });
  noah = await s.token('reviewer', { user: 'noah', name: 'Noah' });
  await s.token('specialist', { user: 'lena', specialty: 'legal' });
  await saveSettings({ serverUrl: 'http://app.test', token: maya, user: me, connectedAt: new Date().toISOString() });
  workerForPages(() => connectedStatus({ id: me.id, name: me.name, role: me.role }), {}, 'dashboard.html');
});
afterEach(() => {
  mounted?.unmount();
  mounted = null;
});
afterAll(async () => {
  await clearSettings();
  resetDb();
  await s?.close();
});

async function show(draftId: string): Promise<HTMLElement> {
  mounted = mount(<DraftReview draftId={draftId} client={s.client(maya)} me={me} worker={extensionWorker} />);
  const c = mounted.container;
  await vi.waitFor(
    async () => {
      await act(async () => {});
      expect(c.querySelector('[aria-busy]')).toBeNull();
    },
    { timeout: 5000 },
  );
  return c;
}

const buttons = (c: HTMLElement) => [...c.querySelectorAll('button')].map((b) => b.textContent);

describe('the dashboard draft view', () => {
  it('a draft waiting for me: its content, confidence, reasons, evidence and record link; Approve goes into the outbox', async () => {
    const [d] = await postDrafts(s, pipe, [
      draftIn({
        target: { site: 'hubspot', email: 'pat@acme.com', url: 'https://app.hubspot.com/contacts/1/record/0-1/42' },
      }),
    ]);
    expect(d!.queue).toBe('review');
    const c = await show(d!.id);
    expect(c.textContent).toContain('A question for Acme');
    expect(c.textContent).toContain('85%');
    expect(c.textContent).toContain('Recent funding round');
    expect(c.textContent).toContain('Acme raised a Series B');
    expect(c.querySelector('[data-testid="draft-waits-for"]')!.textContent).toBe('any reviewer');
    expect(c.querySelector<HTMLAnchorElement>('a[href^="https://app.hubspot.com/"]')!.rel).toContain('noopener');
    expect(buttons(c)).toEqual(['Approve', 'Edit', 'Reject']);

    click([...c.querySelectorAll('button')].find((b) => b.textContent === 'Approve'));
    await vi.waitFor(
      async () => {
        await act(async () => {});
        expect(c.textContent).toContain('Your approval is saved in this browser');
      },
      { timeout: 5000 },
    );
    // In the worker's outbox (IndexedDB), once, waiting to be synced; no buttons any more.
    const rows = await getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect(rows.map((r) => [r.decision.action, r.state])).toEqual([['approve', 'pending']]);
    expect(buttons(c)).toEqual([]);
    // The server has nothing yet: the worker sends it (once) on its next sync.
    expect((await (await s.api(`/v1/drafts/${d!.id}`, { token: maya })).json()).status).toBe('pending');
  });

  it('Reject asks for a reason first, then goes into the outbox with it', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const c = await show(d!.id);
    const byText = (sel: string, text: string) => [...c.querySelectorAll(sel)].find((b) => b.textContent === text);
    click(byText('button', 'Reject'));
    click(byText('button', 'Confirm reject'));
    await act(async () => {});
    expect(await getDb().outbox.where('draftId').equals(d!.id).count()).toBe(0);
    click(byText('label', 'Tone or style')?.querySelector('input'));
    click(byText('button', 'Confirm reject'));
    await vi.waitFor(
      async () => {
        await act(async () => {});
        expect(c.textContent).toContain('Your rejection is saved in this browser');
      },
      { timeout: 5000 },
    );
    const rows = await getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect(rows.map((r) => [r.decision.action, r.decision.reasons])).toEqual([['reject', ['tone']]]);
    expect(buttons(c)).toEqual([]);
  });

  it('a draft decided already: says by whom, offers no decision', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const r = await s.api('/v1/decisions', { token: noah, body: { decisions: [decision(d!.id)] } });
    expect(r.status).toBe(200);
    const c = await show(d!.id);
    expect(c.querySelector('[data-testid="draft-blocked"]')!.textContent).toMatch(
      /^Already decided: approved by noah on \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing is left to decide\.$/,
    );
    expect(c.querySelector('[data-testid="draft-status"]')!.textContent).toBe('Approved');
    expect(buttons(c)).toEqual([]);
  });

  it('a draft escalated away from me: says where it waits now, offers no decision', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const r = await s.api('/v1/decisions', {
      token: noah,
      body: {
        decisions: [decision(d!.id, { action: 'escalate', escalateTo: { kind: 'specialist', specialty: 'legal' } })],
      },
    });
    expect(r.status).toBe(200);
    const c = await show(d!.id);
    expect(c.querySelector('[data-testid="draft-blocked"]')!.textContent).toBe(
      'Not yours to decide: it now waits for a legal specialist (it was escalated).',
    );
    expect(c.querySelector('[data-testid="draft-waits-for"]')!.textContent).toBe('a legal specialist');
    expect(c.textContent).toContain('A question for Acme');
    expect(buttons(c)).toEqual([]);
  });

  it('a draft that is not there (or never was mine): says so, shows nothing else', async () => {
    const c = await show('no-such-draft');
    expect(c.querySelector('[role="alert"]')!.textContent).toBe(
      'No draft no-such-draft for you: it does not exist on this server, or it was never in one of your queues.',
    );
    expect(buttons(c)).toEqual([]);
  });
});
