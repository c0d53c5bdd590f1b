import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult } from '../../lib/shared/schema';
import { createLiveConnection } from '../../lib/worker/live';
import { type Cluster, startCluster } from '../helpers/cluster';
import { decision, draftIn } from './fixtures';

// The extension worker's live connection (lib/worker/live.ts) against real server instances: it
// holds GET /v1/sync/stream only while wanted, asks for a pull on connect and on each event.
describe("the worker's live connection against two instances over one PostgreSQL", () => {
  let c: Cluster;
  let pipe: string;
  let maya: string;
  let noah: string;

  beforeAll(async () => {
    c = await startCluster(2, 'postgres', { timers: false });
    pipe = await c.token('pipeline', 'pipe');
    maya = await c.token('reviewer', 'maya', { name: 'Maya' });
    noah = await c.token('reviewer', 'noah', { name: 'Noah' });
  });
  afterAll(() => c?.close());

  const until = async (what: string, ok: () => boolean, ms = 3_000) => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('pulls on connect and on each change made on the other instance; nothing while not wanted', async () => {
    const calls: Array<{ at: number; cursor: string | null }> = [];
    const live = createLiveConnection({
      getSettings: async () => ({
        serverUrl: c.instances[1]!.url,
        token: noah,
        user: { id: 'noah', name: 'Noah', role: 'reviewer', specialties: [] },
        connectedAt: new Date().toISOString(),
      }),
      onChanges: (cursor) => calls.push({ at: performance.now(), cursor }),
    });
    try {
      expect(live.state).toBe('off');
      live.want(true);
      await until('the connect pull', () => calls.length === 1 && live.state === 'open');
      expect(calls[0]!.cursor).toBeNull();
      const post = async () =>
        (
          (await (await c.api(0, '/v1/drafts', { token: pipe, body: { drafts: [draftIn()] } })).json()) as {
            results: DraftResult[];
          }
        ).results[0]!.id;
      const id = await post();
      await until('the new draft event', () => calls.length >= 2);
      const before = calls.length;
      const t0 = performance.now();
      const r = await c.api(0, '/v1/decisions', { token: maya, body: { decisions: [decision(id)] } });
      expect(r.status).toBe(200);
      await until('the decision event', () => calls.length > before, 1_000);
      expect(calls.at(-1)!.at - t0).toBeLessThan(1_000);
      expect(typeof calls.at(-1)!.cursor).toBe('string');
      // Not wanted (the last page closed): the stream is closed and nothing more is asked.
      live.want(false);
      expect(live.state).toBe('off');
      const quiet = calls.length;
      await post();
      await new Promise((r) => setTimeout(r, 600));
      expect(calls.length).toBe(quiet);
      // Wanted again: it connects and pulls (for whatever changed meanwhile).
      live.want(true);
      await until('the reconnect pull', () => calls.length === quiet + 1 && live.state === 'open');
      expect(calls.at(-1)!.cursor).toBeNull();
    } finally {
      live.want(false);
    }
  });
});
