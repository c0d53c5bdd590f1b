import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DraftResult, QueueOut } from '../../lib/shared/schema';
import { type Cluster, startCluster } from '../helpers/cluster';
import { simulateTeam } from '../helpers/simulate';
import { decision, draftIn } from './fixtures';

// Issue 15 on two server instances of one PostgreSQL: rotation caps through the API with real
// decisions, and four reviewers working one queue at (compressed) human pace.
describe('team review on two instances over one PostgreSQL', () => {
  let c: Cluster;
  let pipe: string;
  let admin: string;
  const people = ['maya', 'noah', 'iris', 'theo'];
  const tokens: string[] = [];

  beforeAll(async () => {
    c = await startCluster(2, 'postgres', { timers: false });
    pipe = await c.token('pipeline', 'pipe');
    admin = await c.token('admin', 'root');
    for (const p of people) tokens.push(await c.token('reviewer', p, { name: p[0]!.toUpperCase() + p.slice(1) }));
  });
  afterAll(() => c?.close());

  const post = async (drafts: ReturnType<typeof draftIn>[]) => {
    const ids: string[] = [];
    for (let i = 0; i < drafts.length; i += 200) {
      const r = await c.api(0, '/v1/drafts', { token: pipe, body: { drafts: drafts.slice(i, i + 200) } });
      expect(r.status).toBe(200);
      ids.push(...((await r.json()) as { results: DraftResult[] }).results.map((x) => x.id));
    }
    return ids;
  };
  const queue = async (i: number, k: number, workflow: string) =>
    ((await (await c.api(i, `/v1/queue?workflow=${workflow}`, { token: tokens[k] })).json()) as QueueOut).items;

  it("rotation: past the cap, a reviewer gets that segment's and model version's drafts after the rest", async () => {
    const [maya, noah] = [0, 1];
    // Off until an admin turns it on; reviewers may not.
    expect(await (await c.api(0, '/v1/workflows/rot/rotation', { token: admin })).json()).toMatchObject({
      maxShare: null,
    });
    const denied = await c.api(0, '/v1/workflows/rot/rotation', {
      method: 'PUT',
      token: tokens[maya],
      body: { maxShare: 0.5 },
    });
    expect(denied.status).toBe(403);
    const put = await c.api(1, '/v1/workflows/rot/rotation', {
      method: 'PUT',
      token: admin,
      body: { maxShare: 0.5, minDrafts: 2 },
    });
    expect(await put.json()).toEqual({ workflow: 'rot', maxShare: 0.5, minDrafts: 2 });
    // SMB drafts first by priority (lower confidence); enterprise ones on model v2.
    const smb = await post(
      Array.from({ length: 6 }, () => draftIn({ workflow: 'rot', segment: 'smb', confidence: 0.8 })),
    );
    const ent = await post(
      Array.from({ length: 6 }, () =>
        draftIn({ workflow: 'rot', segment: 'ent', confidence: 0.9, model: { name: 'gen', version: 'v2' } }),
      ),
    );
    const order = (items: QueueOut['items']) => items.map((d) => (smb.includes(d.id) ? 'smb' : 'ent'));
    expect(order(await queue(0, maya, 'rot'))).toEqual([...Array(6).fill('smb'), ...Array(6).fill('ent')]);
    // Maya approves three SMB drafts today: all of that segment's decisions so far are hers.
    const r = await c.api(0, '/v1/decisions', {
      token: tokens[maya],
      body: { decisions: smb.slice(0, 3).map((id) => decision(id)) },
    });
    expect(((await r.json()) as { results: { status: string }[] }).results.map((x) => x.status)).toEqual([
      'applied',
      'applied',
      'applied',
    ]);
    // Her order (from either instance): the rest first, SMB after; Noah's is unchanged.
    for (const i of [0, 1])
      expect(order(await queue(i, maya, 'rot'))).toEqual([...Array(6).fill('ent'), ...Array(3).fill('smb')]);
    // Noah is under both caps: one tier, in which his dealt share comes first (the deal is a hash of
    // draft and reviewer ids, so which SMB drafts are his varies); every draft is still in it.
    const forNoahNow = await queue(1, noah, 'rot');
    expect(new Set(forNoahNow.map((d) => d.id))).toEqual(new Set([...smb.slice(3), ...ent]));
    // Noah approves three SMB: Maya is at half the segment now, still capped; Noah too (3 of 6).
    await c.api(1, '/v1/decisions', {
      token: tokens[noah],
      body: { decisions: smb.slice(3, 6).map((id) => decision(id)) },
    });
    // Model version: Noah approves two of v2; Maya's v2 share is 0, Noah's is 1 → ent after the rest for
    // him only (nothing else is left for him, so the order is the ent drafts in priority order).
    await c.api(0, '/v1/decisions', {
      token: tokens[noah],
      body: { decisions: ent.slice(0, 2).map((id) => decision(id)) },
    });
    const other = await post([draftIn({ workflow: 'rot', segment: 'mid', confidence: 0.95 })]);
    const forNoah = (await queue(0, noah, 'rot')).map((d) => d.id);
    expect(forNoah[0]).toBe(other[0]);
    expect(new Set(forNoah.slice(1))).toEqual(new Set(ent.slice(2)));
    // Maya is under both caps: everything in one tier, dealt between the two who decided today.
    const forMaya = (await queue(1, maya, 'rot')).map((d) => d.id);
    expect(new Set(forMaya)).toEqual(new Set([...ent.slice(2), other[0]]));
  });

  it('4 reviewers × 400 drafts at human pace: 0 drafts opened by two at once, 0 conflicts with claims', async () => {
    await post(Array.from({ length: 400 }, () => draftIn({ workflow: 'sim' })));
    const r = await simulateTeam(c, { tokens, people, workflow: 'sim', claims: true, readMs: [20, 60] });
    console.log(
      `[live-team-sim] with claims: decided ${r.decided}, opened by two ${r.openedByTwo}, conflicts ${r.conflicts}, claims refused ${r.claimsRefused}, ${r.seconds.toFixed(1)} s`,
    );
    expect(r.decided).toBe(400);
    expect(r.openedByTwo).toBe(0);
    expect(r.conflicts).toBe(0);
    // Dealing by a stable hash among everyone who claimed or decided lately: the claims refused
    // because someone else took the same next draft were 231–246 of 400 with the old dealing
    // (by position, among claim holders only); 37 with this one on a loaded machine.
    expect(r.claimsRefused).toBeLessThan(120);
    // The same measure without claims (everyone opens the head of their queue as dealt).
    await post(Array.from({ length: 40 }, () => draftIn({ workflow: 'sim-free' })));
    const free = await simulateTeam(c, {
      tokens,
      people,
      workflow: 'sim-free',
      claims: false,
      readMs: [20, 60],
    });
    console.log(
      `[live-team-sim] without claims: decided ${free.decided}, opened by two ${free.openedByTwo}, conflicts ${free.conflicts}`,
    );
    expect(free.decided).toBe(40);
  }, 120_000);
});
