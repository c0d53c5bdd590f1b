/**
 * Demo data that stays fresh (issue 17), on SQLite and PostgreSQL: a workspace reused days later has
 * its trigger deadlines and history moved forward to the new start, and `npm start -- --reset`
 * deletes it and starts the demo over (new tokens, the old ones gone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/main';
import { startDemo } from '../../server/start';
import { lookupToken } from '../../server/tokens';
import { freshDatabase, TEST_DBS } from '../helpers/server';

const DAY = 86_400_000;
const ANA = 'demo-sandbox-gmail-ana-rollout';

async function anaDraft(server: RunningServer) {
  const row = await server.store.db
    .selectFrom('drafts')
    .select(['input_json', 'expires_at', 'version', 'created_at'])
    .where('external_id', '=', ANA)
    .executeTakeFirstOrThrow();
  const input = JSON.parse(row.input_json) as { trigger: { expiresAt: string; occurredAt: string } };
  return { ...row, version: Number(row.version), trigger: input.trigger };
}

async function latestHistoryDecision(server: RunningServer): Promise<number> {
  const rows = await server.store.db
    .selectFrom('drafts')
    .select('decided_at')
    .where('external_id', 'like', 'hist-%')
    .where('decided_at', 'is not', null)
    .execute();
  return Math.max(...rows.map((r) => Date.parse(r.decided_at!)));
}

describe.each(TEST_DBS)('demo freshness on %s', (db) => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: string;
  let server: RunningServer | undefined;
  let banner = '';
  const start = async (now: Date, reset = false) => {
    await server?.close();
    banner = '';
    const r = await startDemo({
      build: false,
      port: 0,
      databaseUrl: fresh.url,
      tokenFile: join(dir, 'demo-tokens.json'),
      now,
      reset,
      print: (s) => {
        banner += `${s}\n`;
      },
    });
    server = r.server;
    return r.seed;
  };

  beforeAll(async () => {
    fresh = await freshDatabase(db);
    dir = mkdtempSync(join(tmpdir(), 'cs-demo-fresh-'));
  });
  afterAll(async () => {
    await server?.close();
    await fresh?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const t0 = new Date(Date.now() - 10 * DAY);
  let firstTokens: string[] = [];

  it('a start days later moves trigger deadlines and history forward to the new now', async () => {
    const first = await start(t0);
    expect(first.created).toBe(true);
    firstTokens = first.users.map((u) => u.token);
    const before = await anaDraft(server!);
    // Ana's inbound reply: 3 h old, expiring 5 h after the start.
    expect(Date.parse(before.trigger.expiresAt)).toBe(t0.getTime() + 5 * 3_600_000);
    const historyBefore = await latestHistoryDecision(server!);
    expect(historyBefore).toBeLessThanOrEqual(t0.getTime());

    const t1 = new Date(t0.getTime() + 6 * DAY + 30 * 60_000);
    const again = await start(t1);
    expect(again.created).toBe(false);
    const after = await anaDraft(server!);
    const moved = t1.getTime() - t0.getTime();
    expect(Date.parse(after.trigger.expiresAt)).toBe(Date.parse(before.trigger.expiresAt) + moved);
    expect(Date.parse(after.trigger.occurredAt)).toBe(Date.parse(before.trigger.occurredAt) + moved);
    expect(Date.parse(after.expires_at!)).toBe(Date.parse(before.expires_at!) + moved);
    expect(Date.parse(after.created_at)).toBe(Date.parse(before.created_at) + moved);
    // Still waiting: a new version, so a connected extension pulls the new deadline.
    expect(after.version).toBeGreaterThan(before.version);
    expect(await latestHistoryDecision(server!)).toBe(historyBefore + moved);
    expect(banner).toMatch(/times moved forward 6 days to now/);
    // Same tokens as before: a reused workspace is not a new one.
    expect(again.users.map((u) => u.token)).toEqual(firstTokens);

    // A restart a few seconds later moves nothing.
    await start(new Date(t1.getTime() + 20_000));
    expect((await anaDraft(server!)).trigger.expiresAt).toBe(after.trigger.expiresAt);
  });

  it('--reset deletes the workspace and starts the demo over', async () => {
    const t2 = new Date(t0.getTime() + 8 * DAY);
    // Something a person did in the old workspace: decided Ana's draft.
    await server!.store.db.updateTable('drafts').set({ status: 'approved' }).where('external_id', '=', ANA).execute();
    const seed = await start(t2, true);
    expect(seed.created).toBe(true);
    expect(banner).toMatch(/deleted \(--reset\) and started over/);
    const ana = await server!.store.db
      .selectFrom('drafts')
      .select(['status', 'expires_at'])
      .where('external_id', '=', ANA)
      .execute();
    expect(ana).toHaveLength(1);
    expect(ana[0]!.status).not.toBe('approved');
    expect(Date.parse(ana[0]!.expires_at!)).toBe(t2.getTime() + 5 * 3_600_000);
    // New tokens; the old ones no longer open anything.
    expect(seed.mintedFor).toHaveLength(seed.users.length);
    for (const old of firstTokens) expect(await lookupToken(server!.store, old)).toBeNull();
  });

  it('--reset refuses a database that is not a demo workspace', async () => {
    await server!.store.db.deleteFrom('tokens').execute();
    await server!.store.db.deleteFrom('users').where('id', '=', 'demo-admin').execute();
    await expect(start(new Date(), true)).rejects.toThrow(/no demo workspace/);
    server = undefined;
  });
});

describe.each(TEST_DBS)('demo reused days later, with the expiry timer on %s', (db) => {
  it("the deadlines move forward before expiry looks: a reused workspace's drafts are not expired on the way up", async () => {
    const fresh = await freshDatabase(db);
    const dir = mkdtempSync(join(tmpdir(), 'cs-demo-expiry-'));
    const opts = { build: false, port: 0, databaseUrl: fresh.url, tokenFile: join(dir, 't.json'), print: () => {} };
    let { server } = await startDemo(opts);
    try {
      const before = await anaDraft(server);
      expect(Date.parse(before.expires_at!)).toBeGreaterThan(Date.now());
      // This first server's timers stop before its times are moved back: a tick between the edit and
      // close() expired Ana's draft here (seen on PostgreSQL under load), not on the way up.
      await server.timers?.stop();
      // Six days pass: the demo's times (the anchor and Ana's deadline) are now six days old.
      const back = (iso: string) => new Date(Date.parse(iso) - 6 * DAY).toISOString();
      const input = JSON.parse(
        (
          await server.store.db
            .selectFrom('drafts')
            .select('input_json')
            .where('external_id', '=', ANA)
            .executeTakeFirstOrThrow()
        ).input_json,
      ) as { trigger: { expiresAt: string; occurredAt: string } };
      input.trigger.expiresAt = back(input.trigger.expiresAt);
      input.trigger.occurredAt = back(input.trigger.occurredAt);
      await server.store.db
        .updateTable('drafts')
        .set({ expires_at: back(before.expires_at!), input_json: JSON.stringify(input) })
        .where('external_id', '=', ANA)
        .execute();
      const anchor = await server.store.db
        .selectFrom('counters')
        .select('value')
        .where('name', '=', 'demo:anchor')
        .executeTakeFirstOrThrow();
      await server.store.db
        .updateTable('counters')
        .set({ value: Number(anchor.value) - 6 * DAY })
        .where('name', '=', 'demo:anchor')
        .execute();
      await server.close();

      ({ server } = await startDemo(opts));
      const status = async () =>
        (
          await server.store.db
            .selectFrom('drafts')
            .select('status')
            .where('external_id', '=', ANA)
            .executeTakeFirstOrThrow()
        ).status;
      expect(Date.parse((await anaDraft(server)).expires_at!)).toBeGreaterThan(Date.now());
      // The timers run (they tick at once and every second): still waiting for review.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await status()).toBe('pending');
    } finally {
      await server.close();
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
