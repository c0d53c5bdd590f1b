import { expect } from 'vitest';
import { mulberry32 } from '../../lib/shared/policy/stats';
import type { GovItem } from '../../lib/shared/schema/governance';
import { rebuildGovernance } from '../../server/service/governance/refresh';
import type { Store } from '../../server/store';
import { govDb } from '../../server/store/rollups';

const DAY = 86_400_000;

/**
 * Fixed, seeded governance history covering every case the figures distinguish: several workflows,
 * segments and model versions; reviewed, auto-approved (audited or not), manual, rule-escalated,
 * escalated-by-a-person, open and canary drafts; unchanged edits; second reviews (agreement pairs);
 * several outcomes on one draft (the latest wins). Deterministic for a seed and a `now`.
 */
export function seededHistory(options: {
  seed: number;
  n: number;
  now: number;
  days?: number;
  /**
   * Every `belowGrid`-th draft's confidence just under the nearest 0.01 grid value (1e-13 below:
   * within the 1e-12 `zoneIndex` counts in that value's step), where thresholds on the grid split a
   * step (migration 104).
   */
  belowGrid?: number;
}): GovItem[] {
  const rng = mulberry32(options.seed);
  const days = options.days ?? 40;
  const start = options.now - days * DAY;
  const workflows = ['outbound-email', 'linkedin-note', 'crm-update'];
  const segments = ['smb', 'mid', 'enterprise', null];
  const models = ['m1', 'm2', null];
  const reviewers = ['rev-a', 'rev-b', 'rev-c', 'rev-d', 'rev-e'];
  const out: GovItem[] = [];
  for (let i = 0; i < options.n; i++) {
    let confidence = Math.round((1 - 0.6 * rng() * rng()) * 1000) / 1000;
    if (options.belowGrid && i % options.belowGrid === 1) confidence = Math.round(confidence * 100) / 100 - 1e-13;
    const right = rng() < Math.min(1, 0.03 + 0.97 * confidence);
    const created = start + Math.floor(rng() * (days - 0.5) * DAY);
    const workflow = workflows[Math.floor(rng() * workflows.length)]!;
    const roll = rng();
    const item: GovItem = {
      id: `eq-${options.seed}-${i}`,
      workflow,
      confidence,
      route: 'review',
      status: 'approved',
      createdAt: new Date(created).toISOString(),
      settledAt: null,
      segment: segments[Math.floor(rng() * segments.length)]!,
      modelVersion: models[Math.floor(rng() * models.length)]!,
      canary: false,
      ruleEscalated: rng() < 0.06,
      words: 20 + Math.floor(rng() * 200),
      decisions: [],
      outcomes: [],
    };
    const decidedAt = (offset: number) => new Date(created + offset).toISOString();
    const user = () => reviewers[Math.floor(rng() * reviewers.length)]!;
    // Dwell: mostly believable, some too fast to have been read.
    const dwell = () => (rng() < 0.15 ? 400 + Math.floor(rng() * 1500) : 4_000 + Math.floor(rng() * 90_000));
    if (roll < 0.2 && !item.ruleEscalated) {
      item.route = 'auto';
      item.status = 'auto_approved';
      item.settledAt = item.createdAt;
      if (rng() < 0.5)
        item.outcomes.push({ correct: right, source: 'audit', at: decidedAt(DAY / 2 + Math.floor(rng() * DAY)) });
    } else if (roll < 0.25) {
      // Open: nobody decided yet.
      item.status = 'pending';
    } else if (roll < 0.28) {
      item.status = 'escalated';
      item.decisions.push({ userId: user(), action: 'escalate', dwellMs: dwell(), decidedAt: decidedAt(3_600_000) });
    } else {
      if (roll < 0.31) item.route = 'manual';
      const first = user();
      const action = right ? (rng() < 0.1 ? 'edit' : 'approve') : rng() < 0.7 ? 'edit' : 'reject';
      const t = 60_000 + Math.floor(rng() * 2 * DAY);
      item.decisions.push({
        userId: first,
        action,
        dwellMs: rng() < 0.05 ? null : dwell(),
        decidedAt: decidedAt(t),
        // An edit of a right draft changes nothing: it counts as an approval.
        changed: action === 'edit' ? !right : undefined,
        reasons: action === 'approve' ? [] : ['wrong_facts'],
      });
      item.status = action === 'reject' ? 'rejected' : 'approved';
      item.settledAt = decidedAt(t);
      if (rng() < 0.1) {
        // A second reviewer (two-person rule): agreement pairs.
        let second = user();
        if (second === first) second = reviewers[(reviewers.indexOf(first) + 1) % reviewers.length]!;
        const a2 = rng() < 0.85 ? action : right ? 'reject' : 'approve';
        item.decisions.push({
          userId: second,
          action: a2,
          dwellMs: dwell(),
          decidedAt: decidedAt(t + 600_000),
          changed: a2 === 'edit' ? !right : undefined,
          reasons: a2 === 'approve' ? [] : ['tone'],
        });
      }
      if (rng() < 0.15) {
        item.outcomes.push({ correct: right, source: 'qa', at: decidedAt(t + DAY) });
        // Sometimes a later finding overrules an earlier one.
        if (rng() < 0.2) item.outcomes.push({ correct: !right, source: 'customer', at: decidedAt(t + 2 * DAY) });
      }
    }
    out.push(item);
  }
  // Canaries: decided by reviewers, caught or missed.
  for (let i = 0; i < Math.max(3, Math.floor(options.n / 50)); i++) {
    const created = start + Math.floor(rng() * (days - 1) * DAY);
    out.push({
      id: `eq-${options.seed}-canary-${i}`,
      workflow: workflows[i % workflows.length]!,
      confidence: 0.9,
      route: 'review',
      status: 'rejected',
      createdAt: new Date(created).toISOString(),
      settledAt: new Date(created + 3_600_000).toISOString(),
      segment: 'smb',
      modelVersion: 'm1',
      canary: true,
      ruleEscalated: false,
      words: 80,
      decisions: [
        {
          userId: reviewers[i % reviewers.length]!,
          action: rng() < 0.6 ? 'reject' : 'approve',
          dwellMs: 5_000,
          decidedAt: new Date(created + 3_600_000).toISOString(),
          reasons: [],
        },
      ],
      outcomes: [],
    });
  }
  return out;
}

/** Governance's facts, decision facts and rollup rows, in key order (to compare counts). */
export async function governanceTables(store: Store) {
  const g = govDb(store.db);
  return {
    facts: await g.selectFrom('gov_facts').selectAll().orderBy('draft_id').execute(),
    decisions: await g.selectFrom('gov_decision_facts').selectAll().orderBy('draft_id').orderBy('seq').execute(),
    roll: await g
      .selectFrom('gov_roll')
      .selectAll()
      .orderBy('kind')
      .orderBy('workflow')
      .orderBy('day')
      .orderBy('k1')
      .orderBy('k2')
      .orderBy('k3')
      .execute(),
  };
}

type Tables = Awaited<ReturnType<typeof governanceTables>>;

/**
 * Checks that what governance has counted so far equals a count from scratch: `rebuildGovernance`
 * after it, then facts, decision facts and rollup rows compared (sums up to the order floating-point
 * additions were made in). Returns the tables as they were counted before the rebuild.
 */
export async function expectCountedAsFromScratch(store: Store): Promise<Tables> {
  const counted = await governanceTables(store);
  await rebuildGovernance(store);
  const rebuilt = await governanceTables(store);
  expect(rebuilt.facts).toEqual(counted.facts);
  expect(rebuilt.decisions).toEqual(counted.decisions);
  expect(rollDifferences(rebuilt.roll, counted.roll)).toEqual([]);
  return counted;
}

/**
 * The rollup rows of `a` and `b` that differ (by key, each side's row or undefined), sums equal up
 * to the order floating-point additions were made in.
 */
export function rollDifferences(a: Tables['roll'], b: Tables['roll']): [string, unknown, unknown][] {
  const key = (r: Record<string, unknown>) => [r.kind, r.workflow, r.day, r.k1, r.k2, r.k3].join('|');
  const same = (x: unknown, y: unknown) =>
    typeof x === 'number' && typeof y === 'number' ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y)) : x === y;
  const left = new Map(a.map((r) => [key(r), r as Record<string, unknown>]));
  const right = new Map(b.map((r) => [key(r), r as Record<string, unknown>]));
  const out: [string, unknown, unknown][] = [];
  for (const k of new Set([...left.keys(), ...right.keys()])) {
    const x = left.get(k);
    const y = right.get(k);
    if (!x || !y || Object.keys(x).some((c) => !same(x[c], y[c]))) out.push([k, x, y]);
  }
  return out;
}
