import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../lib/shared/schema/protocol';
import {
  badgeText,
  connectExtension,
  type LaunchedExtension,
  launchExtension,
  sendToWorker,
  waitFor,
} from './helpers/extension';
import { startProxy, type TestProxy } from './helpers/proxy';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

let server: E2eServer;
let ext: LaunchedExtension;
let proxy: TestProxy | undefined;

beforeEach(async () => {
  server = await startE2eServer();
});
afterEach(async () => {
  await ext?.close();
  await proxy?.close();
  proxy = undefined;
  await server?.close();
});

function approve(draftId: string) {
  return { id: randomUUID(), draftId, action: 'approve', decidedAt: new Date().toISOString() };
}

/** Every decision the server stored, by draft. */
async function serverDecisions() {
  await server.start();
  return server.running().store.db.selectFrom('decisions').select(['id', 'draft_id', 'status']).execute();
}

describe('sync with the real server', () => {
  it('shows the drafts waiting (popup and badge); decisions made while the server is down arrive exactly once', async () => {
    const ids = await server.submit([0, 1, 2, 3].map((i) => emailDraft(i)));
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana' });
    const options = await connectExtension(ext, { url: server.url, token });

    const popup = await ext.openPopup();
    await waitFor(async () => (await popup.getByTestId('waiting').textContent()) === '4', { message: 'popup count' });
    expect(await badgeText(ext)).toBe('4');
    // The 30 s sync alarm exists (re-created at every worker start).
    const alarm = await (await ext.worker()).evaluate(() =>
      (
        globalThis as unknown as { chrome: { alarms: { get(n: string): Promise<{ periodInMinutes?: number }> } } }
      ).chrome.alarms.get('countersign-sync'),
    );
    expect(alarm?.periodInMinutes).toBe(0.5);

    // Online: one decision goes straight through.
    const online = approve(ids[0]!);
    await sendToWorker(options, 'saveDecision', { decision: online });

    // Offline: the server is down (connection refused).
    await waitFor(async () => (await sendToWorker<SyncStatus>(options, 'getStatus', {})).unsynced === 0);
    await server.stop();
    const offline = [approve(ids[1]!), approve(ids[2]!), approve(ids[3]!)];
    for (const d of offline) {
      const reply = await sendToWorker<{ saved: boolean }>(options, 'saveDecision', {
        decision: d,
      });
      expect(reply.saved).toBe(true);
    }
    // Saving the same decision again (a content script retrying after a lost reply) adds nothing.
    await sendToWorker(options, 'saveDecision', { decision: offline[0] });
    const down = await waitFor(async () => {
      const s = await sendToWorker<SyncStatus>(options, 'getStatus', {});
      return s.problem?.code === 'offline' ? s : null;
    });
    expect(down.unsynced).toBe(3);
    expect(down.waiting).toBe(0);
    await popup.getByText('Decisions are kept here').waitFor();
    // The "offline" status can reach the popup before the three saves do (the live stream's failed
    // reconnect reports it first): the count follows within the status refresh.
    await waitFor(async () => (await popup.getByTestId('unsynced').textContent()) === '3', {
      message: 'popup unsynced count',
    });

    // Back up: "Sync now" in the popup delivers them.
    await server.start();
    await popup.getByRole('button', { name: 'Sync now' }).click();
    await waitFor(async () => (await popup.getByTestId('unsynced').textContent()) === '0', { message: 'unsynced → 0' });
    const rows = await serverDecisions();
    expect(rows.map((r) => r.id).sort()).toEqual([online.id, ...offline.map((d) => d.id)].sort());
    expect(new Set(rows.map((r) => r.draft_id)).size).toBe(4);
    expect(rows.every((r) => r.status === 'applied')).toBe(true);
    await waitFor(async () => (await badgeText(ext)) === '', { message: 'badge cleared' });
  });

  it('retries on its own with backoff once the server is back (nobody clicks anything)', async () => {
    const [id] = await server.submit([emailDraft(0)]);
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana' });
    const options = await connectExtension(ext, { url: server.url, token });
    await waitFor(async () => (await sendToWorker<SyncStatus>(options, 'getStatus', {})).waiting === 1);
    await server.stop();
    const decision = approve(id!);
    await sendToWorker(options, 'saveDecision', { decision });
    const down = await waitFor(async () => {
      const s = await sendToWorker<SyncStatus>(options, 'getStatus', {});
      return s.problem?.code === 'offline' && s.nextRetryAt ? s : null;
    });
    expect(down.unsynced).toBe(1);
    await server.start();
    await waitFor(async () => (await sendToWorker<SyncStatus>(options, 'getStatus', {})).unsynced === 0, {
      timeout: 30_000,
      message: 'delivered by the backoff retry',
    });
    const rows = await serverDecisions();
    expect(rows.map((r) => r.id)).toEqual([decision.id]);
  });

  it('a worker stopped in the middle of a push loses nothing and duplicates nothing', async () => {
    const ids = await server.submit(Array.from({ length: 60 }, (_, i) => emailDraft(i)));
    proxy = await startProxy(server.url);
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana' });
    const options = await connectExtension(ext, { url: proxy.url, token });
    await waitFor(async () => (await sendToWorker<SyncStatus>(options, 'getStatus', {})).waiting === 60);

    // Hold the server's answers to pushes: the server has applied the batch, the worker never hears.
    let release!: () => void;
    let held = 0;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    proxy.hooks.hold = async (req) => {
      if (req.method === 'POST' && req.path === '/v1/decisions') {
        held += 1;
        await gate;
      }
    };
    const decisions = ids.map((id) => approve(id));
    // Sixty decisions = two batches (50 + 10). Save them all while the first push is in flight.
    for (const d of decisions) await sendToWorker(options, 'saveDecision', { decision: d });
    await waitFor(() => held > 0, { message: 'push reached the server' });
    await waitFor(async () => (await serverDecisions()).length > 0, { message: 'server applied the first batch' });

    await ext.stopWorker();
    // The worker's request died with it: the server applied the batch, the worker never heard.
    await waitFor(() => proxy!.dropped.some((r) => r.path === '/v1/decisions'), { message: 'push dropped' });
    release();
    proxy.hooks.hold = undefined;

    // The extension wakes (a page opens: the popup) and sends again whatever was not acknowledged.
    const popup = await ext.openPopup();
    await waitFor(async () => (await popup.getByTestId('unsynced').textContent()) === '0', {
      timeout: 20_000,
      message: 'all acknowledged after restart',
    });
    const rows = await serverDecisions();
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(decisions.map((d) => d.id)));
    expect(rows.every((r) => r.status === 'applied')).toBe(true);
    const status = await sendToWorker<SyncStatus>(popup, 'getStatus', {});
    expect(status.attention).toEqual([]);
  });

  it('a malformed draft from the server is skipped with a visible error, the rest still sync', async () => {
    const ids = await server.submit([0, 1, 2].map((i) => emailDraft(i)));
    const badId = ids[1]!;
    proxy = await startProxy(server.url);
    // A newer or buggy server sends a draft this extension cannot read.
    proxy.hooks.rewrite = (req, body) => {
      if (req.method !== 'GET' || req.path !== '/v1/sync/pull') return undefined;
      const page = JSON.parse(body) as { changes: { op: string; draft?: { id: string; confidence: unknown } }[] };
      for (const c of page.changes) if (c.draft?.id === badId) c.draft.confidence = 'very high';
      return JSON.stringify(page);
    };
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana' });
    await connectExtension(ext, { url: proxy.url, token });
    const popup = await ext.openPopup();
    await waitFor(async () => (await popup.getByTestId('waiting').textContent()) === '2');
    await popup.getByRole('heading', { name: 'Needs attention' }).waitFor();
    await popup.getByText(`(${badId}) from the server could not be read and was skipped`).waitFor();
    const status = await sendToWorker<SyncStatus>(popup, 'getStatus', {});
    expect(status.problem).toBeNull();
    expect(status.lastSyncAt).not.toBeNull();
    const view = await sendToWorker<{ others: { draft: { id: string } }[] }>(popup, 'getDrafts', { context: null });
    expect(view.others.map((i) => i.draft.id).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('a decision in one tab reaches the other tabs within a second', async () => {
    const ids = await server.submit([emailDraft(0), emailDraft(1)]);
    ext = await launchExtension();
    const token = await server.token('reviewer', { user: 'ana', name: 'Ana' });
    const options = await connectExtension(ext, { url: server.url, token });
    const other = await ext.openPopup();
    await waitFor(async () => (await other.getByTestId('waiting').textContent()) === '2');
    const t0 = Date.now();
    await sendToWorker(options, 'saveDecision', { decision: approve(ids[0]!) });
    await waitFor(async () => (await other.getByTestId('waiting').textContent()) === '1', {
      timeout: 1_000,
      interval: 20,
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
