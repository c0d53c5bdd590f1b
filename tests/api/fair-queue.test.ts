import { describe, expect, it } from 'vitest';
import { orderQueue } from '../../server/service/queue';
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
    // The first round of four is the four highest-priority drafts, dealt one each.
    expect(new Set(firsts)).toEqual(new Set(rows.slice(0, 4).map((r) => r.id)));
    for (const o of orders) expect(new Set(o)).toEqual(new Set(rows.map((r) => r.id)));
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
