import { describe, expect, it } from 'vitest';
import { dealShared, orderQueue } from '../../server/service/queue';
import type { AuthUser } from '../../server/tokens';

const user = (id: string): AuthUser => ({ id, name: id, role: 'reviewer', specialties: [], tokenId: `t-${id}` });
const row = (i: number, over: Record<string, unknown> = {}) => ({
  id: `d${String(i).padStart(3, '0')}`,
  workflow: 'w',
  status: 'pending',
  queue: 'review',
  assignee: null as string | null,
  audit_pending: false,
  approved_by_json: '[]',
  confidence: 0.5 + i / 1000,
  deal_value: null,
  expires_at: null,
  account_tier: null,
  created_at: '2026-12-01T00:00:00Z',
  segment: null,
  model_version: null,
  claimed_by: null as string | null,
  claimed_until: null as string | null,
  ...over,
});

describe('fair dealing of the shared queue', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  const rows = Array.from({ length: 40 }, (_, i) => row(i));
  const team = ['ann', 'bob', 'cyd', 'dee'];

  it('four reviewers working the queue each get a different next item, and the same set overall', () => {
    const orders = team.map((id) => orderQueue(user(id), rows, now, team).map((r) => r.id));
    const firsts = orders.map((o) => o[0]);
    expect(new Set(firsts).size).toBe(4);
    // The first two of each are their own share: a refused claim falls back on their own next draft.
    expect(new Set(orders.flatMap((o) => o.slice(0, 2))).size).toBe(8);
    for (const o of orders) expect(new Set(o)).toEqual(new Set(rows.map((r) => r.id)));
    // Each draft nobody holds is dealt to exactly one of them.
    const deal = dealShared(rows, team, now);
    expect(deal.size).toBe(rows.length);
    for (const [k, id] of team.entries()) expect(orders[k]![0]).toBe(rows.find((r) => deal.get(r.id) === id)!.id);
  });

  it("stable: claiming, deciding or another draft leaving changes no one else's next draft", () => {
    const next = (who: string, rs: typeof rows) => orderQueue(user(who), rs, now, team)[0]!.id;
    const before = Object.fromEntries(team.map((w) => [w, next(w, rows)]));
    // Ann claims her next draft: the others' next drafts stay as they were.
    const claimed = rows.map((r) =>
      r.id === before.ann ? { ...r, claimed_by: 'ann', claimed_until: new Date(now + 60_000).toISOString() } : r,
    );
    for (const w of ['bob', 'cyd', 'dee']) expect(next(w, claimed)).toBe(before[w]);
    // She decides it (it leaves the queue): still the same for them.
    const decided = rows.filter((r) => r.id !== before.ann);
    for (const w of ['bob', 'cyd', 'dee']) expect(next(w, decided)).toBe(before[w]);
    // The old dealing by position moved everyone's share when one draft left; count how often the
    // four next drafts stay put while drafts are decided one by one in priority order.
    let moved = 0;
    let rest = rows;
    for (let i = 0; i < 20; i++) {
      const heads = team.map((w) => next(w, rest));
      rest = rest.filter((r) => r.id !== heads[i % 4]);
      const after = team.map((w) => next(w, rest));
      moved += team.filter((_, k) => k !== i % 4 && after[k] !== heads[k]).length;
    }
    expect(moved).toBe(0);
  });

  it('with few drafts left, no two reviewers share a next draft while each has one of their own', () => {
    const few = rows.slice(0, 6);
    const deal = dealShared(few, team, now);
    const owners = new Set(deal.values());
    const heads = team.filter((w) => owners.has(w)).map((w) => orderQueue(user(w), few, now, team)[0]!.id);
    expect(new Set(heads).size).toBe(heads.length);
  });

  it('alone, the order is plain priority; a draft someone else claims goes last', () => {
    const alone = orderQueue(user('ann'), rows, now, []).map((r) => r.id);
    expect(alone).toEqual(rows.map((r) => r.id));
    const claimed = rows.map((r, i) =>
      i === 0 ? { ...r, claimed_by: 'bob', claimed_until: new Date(now + 60_000).toISOString() } : r,
    );
    expect(orderQueue(user('ann'), claimed, now, []).at(-1)!.id).toBe('d000');
    // A lapsed claim holds nothing; my own claim keeps its place.
    const lapsed = rows.map((r, i) =>
      i === 0 ? { ...r, claimed_by: 'bob', claimed_until: new Date(now - 1).toISOString() } : r,
    );
    expect(orderQueue(user('ann'), lapsed, now, [])[0]!.id).toBe('d000');
    const mine = rows.map((r, i) =>
      i === 0 ? { ...r, claimed_by: 'ann', claimed_until: new Date(now + 60_000).toISOString() } : r,
    );
    expect(orderQueue(user('ann'), mine, now, [])[0]!.id).toBe('d000');
  });

  it('items past the rotation cap come after the rest, before claimed ones', () => {
    const capped = orderQueue(user('ann'), rows, now, [], (r) => r.id === 'd001').map((r) => r.id);
    expect(capped.at(-1)).toBe('d001');
    expect(capped[0]).toBe('d000');
  });
});
