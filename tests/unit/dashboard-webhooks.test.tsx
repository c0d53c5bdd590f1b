import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebhooksSection } from '../../components/dashboard/WebhooksSection';
import { type ApiClient, createApiClient } from '../../lib/shared/api-client';
import { openStore, type Store } from '../../server/store';
import { webhookDb } from '../../server/store/webhooks';
import { createToken } from '../../server/tokens';
import { decision, draftIn } from '../api/fixtures';
import { type Receiver, startReceiver } from '../helpers/receiver';
import { type Mounted, mount } from './panel-helpers';

// Issue 14: the dashboard's Webhooks section against a real server and a real receiver: each
// subscription's recent deliveries and failures (state, attempts, next attempt, response code, last
// error), and Retry on a failed delivery through the admin API (same webhook-id).
//
// The server runs in its own process (`server/main.ts`, as `npm run server` starts it): in this
// happy-dom environment the global fetch is the page's (with real CORS, like the dashboard's), and
// the server's webhook worker must send with Node's own. This process opens the same SQLite file
// for tokens and to make a delivery's retries run out (as after 24 h).

const ROOT = join(import.meta.dirname, '../..');
let dir: string;
let child: ChildProcess | undefined;
let store: Store;
let receiver: Receiver;
let client: ApiClient;
let url: string;
let mounted: Mounted | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cs-dash-webhooks-'));
  const databaseUrl = `sqlite:${join(dir, 'db.sqlite')}`;
  child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      COUNTERSIGN_WEBHOOK_TIMEOUT_MS: '2000',
      // The page's origin here is happy-dom's; the extension's own origins are allowed by default.
      COUNTERSIGN_ALLOWED_ORIGINS: location.origin,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child!.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /"msg":"listening".*?"url":"([^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child!.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  store = await openStore(databaseUrl);
  receiver = await startReceiver(() => 500);
  const admin = (await createToken(store, { user: 'root', role: 'admin', actor: 'test' })).token;
  client = createApiClient({ baseUrl: url, token: admin });
}, 30_000);
afterAll(async () => {
  mounted?.unmount();
  await receiver?.close();
  await store?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const text = () => mounted?.container.textContent ?? '';
const rows = (label: string) => [
  ...(mounted?.container.querySelectorAll(`table[aria-label="${label}"] tbody tr`) ?? []),
];
const cells = (tr: Element) => [...tr.querySelectorAll('td')].map((td) => td.textContent);
async function settle(until: () => boolean) {
  await vi.waitFor(
    async () => {
      await act(async () => {});
      expect(until()).toBe(true);
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('dashboard: Webhooks section', () => {
  it(
    'shows recent and failed deliveries with their attempts and errors; Retry sends the failed one again',
    { timeout: 40_000 },
    async () => {
      await client.call('createWebhook', {
        body: { url: receiver.url, events: ['draft.decided', 'draft.escalated'], description: 'CRM sync' },
      });
      const as = async (role: 'pipeline' | 'reviewer') =>
        createApiClient({ baseUrl: url, token: (await createToken(store, { user: role, role, actor: 'test' })).token });
      const pipe = await as('pipeline');
      const ann = await as('reviewer');
      const [a, b] = (await pipe.call('postDrafts', { body: { drafts: [draftIn(), draftIn()] } })).results;
      await ann.call('decisions', { body: { decisions: [decision(a!.id, { action: 'reject', reasons: ['tone'] })] } });
      await receiver.until((r) => r.length >= 1);
      // Retries ran out for a (as after 24 h): its next attempt (the schedule's 5 s) settles it failed.
      await webhookDb(store.db)
        .updateTable('webhook_deliveries')
        .set({ give_up_at: new Date(0).toISOString() })
        .where('draft_id', '=', a!.id)
        .execute();
      await ann.call('decisions', {
        body: { decisions: [decision(b!.id, { action: 'escalate', escalateTo: { kind: 'admin' } })] },
      });
      await vi.waitFor(
        async () => {
          const ds = await webhookDb(store.db)
            .selectFrom('webhook_deliveries')
            .select(['draft_id', 'state', 'lease_id', 'last_status'])
            .execute();
          expect(ds.find((d) => d.draft_id === a!.id)).toMatchObject({ state: 'failed', lease_id: null });
          expect(ds.find((d) => d.draft_id === b!.id)).toMatchObject({
            state: 'pending',
            last_status: 500,
            lease_id: null,
          });
        },
        { timeout: 15_000, interval: 200 },
      );

      mounted = mount(<WebhooksSection client={client} />);
      const recentLabel = `Recent deliveries to ${receiver.url}`;
      const failedLabel = `Failed deliveries to ${receiver.url}`;
      await settle(() => rows(recentLabel).length === 2);
      expect(text()).toContain('draft.decided, draft.escalated · every workflow · CRM sync');
      expect(mounted.container.querySelector('[data-testid="webhook-stats"]')?.textContent).toMatch(
        /0 delivered, 1 pending, 1 failed · last failure .*HTTP 500/,
      );
      const [escalated, decided] = rows(recentLabel).map(cells);
      // Event, draft, state, attempts, last attempt, next attempt, response, last error.
      expect(escalated!.slice(0, 3)).toEqual(['draft.escalated', b!.id, 'pending']);
      expect(Number(escalated![3])).toBeGreaterThanOrEqual(1);
      expect(escalated![5]).not.toBe('—'); // a pending one shows when it is tried next
      expect(escalated!.slice(6, 8)).toEqual(['500', 'HTTP 500']);
      expect(decided!.slice(0, 4)).toEqual(['draft.decided', a!.id, 'failed', '2']);
      expect(decided![5]).toBe('—');
      expect(decided!.slice(6, 8)).toEqual(['500', 'HTTP 500']);
      expect(rows(failedLabel).map((r) => cells(r)[1])).toEqual([a!.id]);
      // Retry only where retries ran out.
      const retries = [...mounted.container.querySelectorAll('button')].filter((x) => x.textContent === 'Retry');
      expect(retries.map((x) => x.getAttribute('aria-label'))).toEqual([
        `Retry draft.decided for ${a!.id}`,
        `Retry draft.decided for ${a!.id}`,
      ]);

      receiver.behaviour = () => 204;
      const before = receiver.received.length;
      await act(async () => retries[0]!.click());
      await settle(() => text().includes('will be sent again'));
      // The retry sends a's message again, under its first webhook-id. b's own scheduled retry may
      // arrive first (it is pending, tried again every few seconds): wait for a's, not for any.
      const first = receiver.received[0]!.headers['webhook-id'];
      const got = await receiver.until((r) => r.slice(before).some((m) => m.headers['webhook-id'] === first));
      expect(got.slice(before).filter((m) => m.headers['webhook-id'] === first)).toHaveLength(1);
      // After a refresh the delivery shows as delivered, with the 204 and the earlier error kept.
      const refresh = [...mounted.container.querySelectorAll('button')].find(
        (x) => x.textContent === 'Refresh deliveries',
      )!;
      const deliveredRow = () => rows(recentLabel).find((r) => cells(r)[1] === a!.id && cells(r)[2] === 'delivered');
      for (let i = 0; i < 40 && !deliveredRow(); i++) {
        await act(async () => refresh.click());
        await act(async () => new Promise((r) => setTimeout(r, 250)));
      }
      const row = rows(recentLabel).find((r) => cells(r)[1] === a!.id)!;
      expect(cells(row).slice(2, 4)).toEqual(['delivered', '3']);
      expect(cells(row).slice(6, 8)).toEqual(['204', 'HTTP 500']);
      expect(rows(failedLabel)).toHaveLength(0);
      mounted.unmount();
      mounted = null;
    },
  );
});
