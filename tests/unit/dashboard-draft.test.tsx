import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DraftReview, extensionWorker, whoAmI } from '../../components/dashboard/DraftReview';
import { type ApiClient, ApiError, createApiClient } from '../../lib/shared/api-client';
import type { Me } from '../../lib/shared/schema';
import { getDb, localDraftCopy, resetDb, withDb } from '../../lib/worker/db';
import { createSyncEngine } from '../../lib/worker/engine';
import { dispatchRequest, type Handlers } from '../../lib/worker/messaging';
import { accountKey, clearSettings, getSettings, saveSettings } from '../../lib/worker/settings';
import { decision, draftIn, postDrafts } from '../api/fixtures';
import { dashboardApp, settle } from './dashboard-app';
import { click } from './panel-helpers';
import { connectedStatus, workerForPages } from './worker-for-pages';

// The dashboard's draft view (issue 15, item 6: where a notification link lands) against the real
// server app (in process, SQLite) and the worker's real request handlers (Dexie on fake-indexeddb):
// a draft to decide, one decided already, one escalated away from this reviewer, one that is not
// there, an audit check still to do, and the server out of reach (the worker's copy, decided
// offline and synced once by the worker's real sync engine).

const app = dashboardApp('root');
let pipe: string;
let maya: string;
let noah: string;
const me: Me = { id: 'maya', name: 'Maya', role: 'reviewer', specialties: [] };
/** An API client on a port nothing listens on: the server out of reach (connection refused). */
let unreachable: ApiClient;
let handlers: Handlers;

beforeAll(async () => {
  const s = app.s;
  pipe = await s.token('pipeline');
  maya = await s.token('reviewer', { user: 'maya', name: 'Maya' });
  noah = await s.token('reviewer', { user: 'noah', name: 'Noah' });
  await s.token('specialist', { user: 'lena', specialty: 'legal' });
  await saveSettings({ serverUrl: 'http://app.test', token: maya, user: me, connectedAt: new Date().toISOString() });
  handlers = workerForPages(() => connectedStatus({ id: me.id, name: me.name, role: me.role }), {}, 'dashboard.html');
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const { port } = closed.address() as { port: number };
  await new Promise<void>((r) => closed.close(() => r()));
  unreachable = createApiClient({ baseUrl: `http://127.0.0.1:${port}`, token: maya, timeoutMs: 2_000 });
});
afterAll(async () => {
  await clearSettings();
  resetDb();
});

/** The worker's real sync engine, on the test app (push then pull), run once. */
async function workerSync(): Promise<void> {
  const engine = createSyncEngine({ withDb, getSettings, makeClient: (x) => app.s.client(x.token), random: () => 0.5 });
  await engine.sync('manual');
}

async function show(draftId: string, client: ApiClient = app.s.client(maya), who: Me = me): Promise<HTMLElement> {
  const c = app.mount(<DraftReview draftId={draftId} client={client} me={who} worker={extensionWorker} />).container;
  await settle(() => c.querySelector('[aria-busy]') === null);
  return c;
}

/** Sets a workflow's policy as the admin. */
async function policy(workflow: string, body: Record<string, unknown>): Promise<void> {
  const r = await app.s.api(`/v1/workflows/${workflow}`, { token: app.admin, method: 'PUT', body });
  expect(r.status).toBe(200);
}

const buttons = (c: HTMLElement) => [...c.querySelectorAll('button')].map((b) => b.textContent);

describe('the dashboard draft view', () => {
  it('a draft waiting for me: its content, confidence, reasons, evidence and record link; Approve goes into the outbox', async () => {
    const [d] = await postDrafts(app.s, pipe, [
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
    await settle(() => !!c.textContent?.includes('Your approval is saved in this browser'));
    // In the worker's outbox (IndexedDB), once, waiting to be synced; no buttons any more.
    const rows = await getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect(rows.map((r) => [r.decision.action, r.state])).toEqual([['approve', 'pending']]);
    expect(buttons(c)).toEqual([]);
    // The server has nothing yet: the worker sends it (once) on its next sync.
    expect((await (await app.s.api(`/v1/drafts/${d!.id}`, { token: maya })).json()).status).toBe('pending');
  });

  it('Reject asks for a reason first, then goes into the outbox with it', async () => {
    const [d] = await postDrafts(app.s, pipe, [draftIn()]);
    const c = await show(d!.id);
    const byText = (sel: string, text: string) => [...c.querySelectorAll(sel)].find((b) => b.textContent === text);
    click(byText('button', 'Reject'));
    click(byText('button', 'Confirm reject'));
    await settle(() => true);
    expect(await getDb().outbox.where('draftId').equals(d!.id).count()).toBe(0);
    click(byText('label', 'Tone or style')?.querySelector('input'));
    click(byText('button', 'Confirm reject'));
    await settle(() => !!c.textContent?.includes('Your rejection is saved in this browser'));
    const rows = await getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect(rows.map((r) => [r.decision.action, r.decision.reasons])).toEqual([['reject', ['tone']]]);
    expect(buttons(c)).toEqual([]);
  });

  it('a draft decided already: says by whom, offers no decision', async () => {
    const [d] = await postDrafts(app.s, pipe, [draftIn()]);
    const r = await app.s.api('/v1/decisions', { token: noah, body: { decisions: [decision(d!.id)] } });
    expect(r.status).toBe(200);
    const c = await show(d!.id);
    expect(c.querySelector('[data-testid="draft-blocked"]')!.textContent).toMatch(
      /^Already decided: approved by noah on \d{4}-\d\d-\d\d \d\d:\d\d UTC\. Nothing is left to decide\.$/,
    );
    expect(c.querySelector('[data-testid="draft-status"]')!.textContent).toBe('Approved');
    expect(buttons(c)).toEqual([]);
  });

  it('a draft escalated away from me: says where it waits now, offers no decision', async () => {
    const [d] = await postDrafts(app.s, pipe, [draftIn()]);
    const r = await app.s.api('/v1/decisions', {
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

const text = (c: HTMLElement, id: string) => c.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
const byText = (c: HTMLElement, sel: string, t: string) =>
  [...c.querySelectorAll(sel)].find((b) => b.textContent === t);

describe('the draft view: an audit check still to do', () => {
  it('says "Waiting for an audit check" and offers the check to a reviewer; the check goes into the outbox and reaches the server once', async () => {
    await policy('audited', { level: 'review_exceptions', auditSampleRate: 1, canaryRate: 0 });
    const [d] = await postDrafts(app.s, pipe, [draftIn({ workflow: 'audited', confidence: 0.99 })]);
    expect(d).toMatchObject({ status: 'auto_approved', queue: 'audit' });
    const c = await show(d!.id);
    expect(text(c, 'draft-status')).toBe('Waiting for an audit check (approved automatically)');
    expect(text(c, 'draft-waits-for')).toBe('any reviewer (an audit check)');
    expect(text(c, 'draft-blocked')).toBeNull();
    expect(text(c, 'draft-audit')).toContain('An audit check: this draft was approved already.');
    expect(buttons(c)).toEqual(['Approve', 'Edit', 'Reject']);

    // It was wrong: Reject with a reason, into the worker's outbox like any decision.
    click(byText(c, 'button', 'Reject'));
    click(byText(c, 'label', 'Tone or style')?.querySelector('input'));
    click(byText(c, 'button', 'Confirm reject'));
    await settle(() => !!c.textContent?.includes('Your rejection is saved in this browser'));
    expect(buttons(c)).toEqual([]);
    const outbox = () => getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect((await outbox()).map((r) => [r.decision.action, r.decision.reasons, r.state])).toEqual([
      ['reject', ['tone'], 'pending'],
    ]);

    // The worker's sync takes it to the server, once: the audit's result is an outcome.
    await workerSync();
    await workerSync();
    expect((await outbox()).map((r) => r.state)).toEqual(['done']);
    const outcomes = await app.s.store.db.selectFrom('outcomes').selectAll().where('draft_id', '=', d!.id).execute();
    expect(outcomes.map((o) => [o.correct, o.source, o.recorded_by])).toEqual([[false, 'audit', 'maya']]);
    const decided = await app.s.store.db.selectFrom('decisions').selectAll().where('draft_id', '=', d!.id).execute();
    expect(decided.map((x) => [x.user_id, x.action])).toEqual([['maya', 'reject']]);

    // Shown again: the check is done, nothing is left to decide.
    const again = await show(d!.id);
    expect(text(again, 'draft-status')).toBe('Approved automatically');
    expect(text(again, 'draft-blocked')).toMatch(/^Already decided: approved automatically/);
    expect(buttons(again)).toEqual([]);
  });

  it('whoever approved a draft sampled for audit is not offered its check; another reviewer is', async () => {
    await policy('approvals-audited', { level: 'review_all', approvalAuditRate: 1, canaryRate: 0 });
    const [d] = await postDrafts(app.s, pipe, [draftIn({ workflow: 'approvals-audited' })]);
    expect(d!.queue).toBe('review');
    const r = await app.s.api('/v1/decisions', { token: noah, body: { decisions: [decision(d!.id)] } });
    expect(r.status).toBe(200);

    const noahMe: Me = { id: 'noah', name: 'Noah', role: 'reviewer', specialties: [] };
    const asNoah = await show(d!.id, app.s.client(noah), noahMe);
    expect(text(asNoah, 'draft-status')).toBe('Waiting for an audit check (approved)');
    expect(text(asNoah, 'draft-blocked')).toBe('You approved it: its audit check must come from someone else.');
    expect(buttons(asNoah)).toEqual([]);

    const asMaya = await show(d!.id);
    expect(text(asMaya, 'draft-blocked')).toBeNull();
    expect(text(asMaya, 'draft-audit')).not.toBeNull();
    expect(buttons(asMaya)).toEqual(['Approve', 'Edit', 'Reject']);
  });
});

describe('the draft view with the server out of reach', () => {
  it("shows the worker's copy, labelled so; a decision made offline waits in the outbox and reaches the server once", async () => {
    const [d] = await postDrafts(app.s, pipe, [
      draftIn({ content: { subject: 'Offline question for Initech', body: 'Hi Bill' } }),
    ]);
    await workerSync(); // the worker pulls: this browser now has its copy
    const c = await show(d!.id, unreachable);
    expect(text(c, 'draft-offline')).toMatch(
      /^offline: from this browser's copy \(last brought up to date \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\. The server could not be reached \(.+\); a decision you make is saved in this browser and sent once it can be\.$/,
    );
    expect(c.textContent).toContain('Offline question for Initech');
    expect(text(c, 'draft-status')).toBe('Waiting for review');
    expect(text(c, 'draft-waits-for')).toBe('any reviewer');
    expect(buttons(c)).toEqual(['Approve', 'Edit', 'Reject']);

    click(byText(c, 'button', 'Approve'));
    await settle(() => !!c.textContent?.includes('Your approval is saved in this browser'));
    expect(buttons(c)).toEqual([]);
    const outbox = () => getDb().outbox.where('draftId').equals(d!.id).toArray();
    expect((await outbox()).map((r) => [r.decision.action, r.state])).toEqual([['approve', 'pending']]);
    expect((await (await app.s.api(`/v1/drafts/${d!.id}`, { token: maya })).json()).status).toBe('pending');

    // The server is back: the worker's sync sends it, once.
    await workerSync();
    await workerSync();
    expect((await outbox()).map((r) => r.state)).toEqual(['done']);
    const decided = await app.s.store.db.selectFrom('decisions').selectAll().where('draft_id', '=', d!.id).execute();
    expect(decided.map((x) => [x.user_id, x.action, x.status])).toEqual([['maya', 'approve', 'applied']]);
    const online = await show(d!.id);
    expect(text(online, 'draft-offline')).toBeNull();
    expect(text(online, 'draft-blocked')).toMatch(/^Already decided: approved by you on /);
  });

  it('with no copy in this browser, says the draft could not be loaded and offers nothing', async () => {
    const c = await show('never-pulled-here', unreachable);
    expect(c.querySelector('[role="alert"]')!.textContent).toMatch(/^Could not load the draft: .+/);
    expect(text(c, 'draft-offline')).toBeNull();
    expect(buttons(c)).toEqual([]);
  });

  it("the worker's copy is this account's only, and goes to the extension's pages only", async () => {
    const [d] = await postDrafts(app.s, pipe, [draftIn()]);
    await workerSync();
    const settings = (await getSettings())!;
    const mine = await withDb((db) => localDraftCopy(db, d!.id, accountKey(settings)));
    expect(mine?.draft.id).toBe(d!.id);
    const noahsKey = accountKey({ ...settings, user: { ...settings.user, id: 'noah' } });
    expect(await withDb((db) => localDraftCopy(db, d!.id, noahsKey))).toBeNull();
    // A content script (this extension's id, a web page's URL) is refused.
    const ext = { id: 'test-extension-id', pagesUrl: 'chrome-extension://test-extension-id/' };
    const reply = await dispatchRequest(
      { countersign: 1, type: 'getLocalDraft', payload: { draftId: d!.id } },
      { id: ext.id, url: 'https://mail.google.com/mail/u/0/' },
      ext,
      handlers,
    );
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden_sender' } });
  });

  it('who the view is for: the server says, else (out of reach only) the person the worker connected as', async () => {
    expect(await whoAmI(app.s.client(maya), extensionWorker)).toEqual(me);
    expect(await whoAmI(unreachable, extensionWorker)).toEqual(me);
    await expect(whoAmI(app.s.client('not-a-token'), extensionWorker)).rejects.toBeInstanceOf(ApiError);
  });
});
