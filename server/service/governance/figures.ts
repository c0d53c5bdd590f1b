import { sql } from 'kysely';
import {
  autoAdjustFrom,
  type PolicyView,
  proposeGraduationFrom,
  sortVersions,
  stepBackFrom,
  windowStart,
} from '../../../lib/shared/policy/autonomy';
import { CALIBRATION_BINS, type CalibrationSums, calibrateFrom } from '../../../lib/shared/policy/calibration';
import {
  type MetricCounts,
  metricSetFrom,
  type RuleRates,
  ruleRatesFrom,
  zeroCounts,
} from '../../../lib/shared/policy/metrics';
import { type RecommendInputs, recommendFrom, type ZoneStat } from '../../../lib/shared/policy/recommendation';
import { simulationFrom, thresholdCurveFrom } from '../../../lib/shared/policy/simulate';
import {
  agreementFrom,
  type ReviewerStats,
  reviewerRowFrom,
  sortReviewerRows,
} from '../../../lib/shared/policy/vigilance';
import type {
  AutonomyOut,
  Calibration,
  DailyPoint,
  EvaluateOut,
  MetricSet,
  Metrics,
  Recommendation,
  SimulationOut,
  ThresholdAdjustment,
} from '../../../lib/shared/schema/governance';
import type { Store } from '../../store';
import { awaitedLater } from '../../store/fast';
import { govDb, ROLL_VALUES, ZONE_BELOW, zoneBelowSql } from '../../store/rollups';
import {
  decodeHist,
  dwellBucket,
  HIST_BUCKET_KEY,
  histogramQuantile,
  longestRun,
  offGridStep,
  partAtOrAbove,
  type RollKind,
  type RollRow,
  type StreakDay,
} from './facts';
import { refreshCounts, refreshGovernance } from './refresh';

// Every governance figure from SQL sums over the daily rollups (server/store/rollups.ts), with the
// first day of a `since` window (which the day's rollup would over-count) taken from that day's
// facts. The pure functions of lib/shared/policy derive the rates, exactly as for loaded drafts.

const DAY_MS = 86_400_000;

export interface Filter {
  workflow?: string;
  /** ISO time: drafts created at or after it. */
  since?: string;
  /** Calibration only: one model version. */
  modelVersion?: string;
}

type Key = 'workflow' | 'day' | 'k1' | 'k2' | 'k3';

interface Summed {
  workflow: string;
  day: string;
  k1: string;
  k2: string;
  k3: string;
  v: number[];
}

/**
 * A partial day's sums without the keys that are not in `gov_facts_workflow_created_sums`
 * (migration 100): `set` without segment and model, `conf` without the model. Read from that index
 * alone, where a caller groups by neither.
 */
type Narrow = 'set' | 'conf';
const NARROW_KEYS: Record<Narrow, readonly Key[]> = { set: ['k1', 'k2'], conf: ['k1'] };

/** One request's view of the rollups: the window's whole days from SQL, its first day from facts. */
class Window {
  private readonly partialRows = new Map<string, Promise<RollRow[]>>();
  constructor(
    private readonly store: Store,
    readonly f: Filter,
  ) {}

  private get g() {
    return govDb(this.store.db);
  }

  /**
   * What the drafts created in the window on its first (partial) day add to one rollup kind: the
   * sums `contributions` (facts.ts) gives, summed in SQL from that day's facts (one query per kind
   * asked for, not every kind derived in JS). Histogram buckets are taken in JS (`dwellBucket`).
   * `narrow`: without the keys `NARROW_KEYS` names (left empty), for a caller that groups by none.
   */
  private partial(kind: RollKind, narrow = false): Promise<RollRow[]> {
    if (!this.f.since) return Promise.resolve([]);
    const key = narrow ? `${kind}:narrow` : kind;
    let p = this.partialRows.get(key);
    if (!p) {
      p = this.partialOf(kind, narrow);
      this.partialRows.set(key, p);
    }
    return p;
  }

  private async partialOf(kind: RollKind, narrow: boolean): Promise<RollRow[]> {
    const since = this.f.since!;
    const day = since.slice(0, 10);
    // Bounded above by the next day, so `gov_facts_workflow_created_sums` reads one day, not every
    // day from `since` on. A fact's day is its creation time's first ten characters (facts.ts
    // `factsOf`): asked for so, from the index, not from the day column, which it lacks.
    const next = new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY_MS).toISOString();
    const wf = this.f.workflow;
    const facts = sql`substr(f.created_at, 1, 10) = ${day} and f.created_at >= ${since} and f.created_at < ${next}${wf ? sql` and f.workflow = ${wf}` : sql``}`;
    const decs = sql`gov_decision_facts d join gov_facts f on f.created_at = d.created_at and f.draft_id = d.draft_id`;
    const q = async (text: ReturnType<typeof sql>) =>
      (await text.execute(this.store.db)).rows as Record<string, string | number | null>[];
    const rows = (
      list: Record<string, string | number | null>[],
      keys: (r: Record<string, string | number | null>) => [string, string, string],
      n: number,
    ): RollRow[] =>
      list.map((r) => {
        const [k1, k2, k3] = keys(r);
        return {
          kind,
          workflow: String(r.workflow),
          day,
          k1,
          k2,
          k3,
          v: Array.from({ length: n }, (_, i) => Number(r[`v${i}`] ?? 0)),
        };
      });
    const real = sql`f.is_canary = 0`;
    const c = (cond: ReturnType<typeof sql>) => sql`sum(case when ${cond} then 1 else 0 end)`;
    switch (kind) {
      case 'set':
        return rows(
          await q(sql`select f.workflow, ${narrow ? sql`'' as k1, '' as k2` : sql`f.segment as k1, f.model as k2`},
            ${c(real)} as v0,
            ${c(sql`${real} and f.verdict = 'approved'`)} as v1,
            ${c(sql`${real} and f.verdict = 'edited'`)} as v2,
            ${c(sql`${real} and f.verdict = 'rejected'`)} as v3,
            sum(case when ${real} then f.escalated else 0 end) as v4,
            ${c(sql`${real} and f.route = 'auto'`)} as v5,
            ${c(sql`${real} and f.route = 'review' and f.verdict is not null`)} as v6,
            ${c(sql`${real} and f.route = 'review' and f.verdict = 'approved'`)} as v7,
            ${c(sql`${real} and f.route = 'auto' and f.outcome is not null`)} as v8,
            ${c(sql`${real} and f.route = 'auto' and f.outcome = 0`)} as v9,
            ${c(sql`${real} and f.verdict = 'approved' and f.outcome is not null`)} as v10,
            ${c(sql`${real} and f.verdict = 'approved' and f.outcome = 0`)} as v11,
            sum(case when ${real} then f.n_decisions else 0 end) as v12,
            sum(case when ${real} then f.confidence else 0 end) as v13,
            ${c(sql`f.is_canary = 1`)} as v14
            from gov_facts f where ${facts} group by f.workflow${narrow ? sql`` : sql`, f.segment, f.model`}`),
          (r) => [String(r.k1), String(r.k2), ''],
          15,
        );
      case 'conf':
        return rows(
          await q(sql`select f.workflow, ${narrow ? sql`''` : sql`f.model`} as k1, f.bin10 as k2, f.zk as k3,
            count(*) as v0,
            sum(1 - f.rule_escalated) as v1,
            ${c(sql`f.is_correct is not null`)} as v2,
            ${c(sql`f.is_correct = 1`)} as v3,
            sum(case when f.is_correct is not null then f.confidence else 0 end) as v4,
            sum(case when f.is_correct is not null then f.confidence * f.confidence else 0 end) as v5,
            sum(case when f.is_correct = 1 then f.confidence else 0 end) as v6
            from gov_facts f where ${facts} and ${real} group by f.workflow, ${narrow ? sql`` : sql`f.model, `}f.bin10, f.zk`),
          (r) => [String(r.k1), String(Number(r.k2)), String(Number(r.k3))],
          7,
        );
      case 'zone': {
        // By step and by `zonePart` (facts.ts), as the refresh adds them.
        const below = zoneBelowSql('f');
        return rows(
          await q(sql`select f.workflow, f.zk as k1,
            case when ${below} then ${sql.lit(ZONE_BELOW)} else '' end as k2,
            count(*) as v0,
            sum(1 - f.rule_escalated) as v1,
            ${c(sql`f.is_correct is not null`)} as v2,
            ${c(sql`f.is_correct = 0`)} as v3,
            ${c(sql`f.verdict is not null`)} as v4,
            ${c(sql`f.verdict = 'approved'`)} as v5,
            ${c(sql`f.outcome is not null`)} as v6,
            ${c(sql`f.outcome = 0`)} as v7,
            ${c(sql`f.route = 'review' and f.n_decisions > 0`)} as v8
            from gov_facts f where ${facts} and ${real} group by f.workflow, f.zk, ${below}`),
          (r) => [String(Number(r.k1)), String(r.k2), ''],
          9,
        );
      }
      case 'reviews':
        return rows(
          await q(sql`select f.workflow, f.review_day as k1,
            count(*) as v0,
            ${c(sql`f.verdict = 'approved'`)} as v1,
            ${c(sql`f.verdict <> 'approved'`)} as v2
            from gov_facts f where ${facts} and ${real} and f.verdict is not null and f.review_day is not null
            group by f.workflow, f.review_day`),
          (r) => [String(r.k1), '', ''],
          3,
        );
      case 'pairs':
        return rows(
          await q(sql`select f.workflow, f.pair_a as k1, f.pair_b as k2, count(*) as v0
            from gov_facts f where ${facts} and f.pair_a is not null and f.pair_b is not null
            group by f.workflow, f.pair_a, f.pair_b`),
          (r) => [String(r.k1), String(r.k2), ''],
          1,
        );
      case 'reviewer':
        return rows(
          await q(sql`select f.workflow, d.user_id as k1,
            count(*) as v0,
            ${c(sql`d.is_canary = 0 and d.label = 'approved'`)} as v1,
            ${c(sql`d.is_canary = 0 and d.label = 'edited'`)} as v2,
            ${c(sql`d.is_canary = 0 and d.label = 'rejected'`)} as v3,
            ${c(sql`d.is_canary = 0 and d.label = 'escalated'`)} as v4,
            ${c(sql`d.label = 'approved' and d.dwell_ms is not null`)} as v5,
            sum(d.fast) as v6,
            ${c(sql`d.is_canary = 1`)} as v7,
            ${c(sql`d.is_canary = 1 and d.label <> 'approved'`)} as v8
            from ${decs} where ${facts} group by f.workflow, d.user_id`),
          (r) => [String(r.k1), '', ''],
          9,
        );
      case 'dwell':
      case 'rdwell': {
        const list = await q(sql`select f.workflow, f.segment, f.model, d.user_id, d.dwell_ms, count(*) as n
          from ${decs} where ${facts} and ${real} and d.dwell_ms is not null
          group by f.workflow, f.segment, f.model, d.user_id, d.dwell_ms`);
        return list.map((r) => {
          const b = String(dwellBucket(Number(r.dwell_ms)));
          const keys: [string, string, string] =
            kind === 'dwell' ? [String(r.segment), String(r.model), b] : [String(r.user_id), b, ''];
          return { kind, workflow: String(r.workflow), day, k1: keys[0], k2: keys[1], k3: keys[2], v: [Number(r.n)] };
        });
      }
    }
  }

  /** Sums of a rollup kind over the window, grouped by `by` (optionally only rows with k1 = `k1`). */
  async sum(kind: RollKind, by: readonly Key[], opts: { k1?: string } = {}): Promise<Summed[]> {
    const n = ROLL_VALUES.length;
    let q = this.g
      .selectFrom('gov_roll')
      .where('kind', '=', kind)
      .select(by.map((k) => sql.ref(k).as(k)) as never)
      .select(ROLL_VALUES.map((v) => sql<number>`sum(${sql.ref(v)})`.as(v)) as never);
    if (this.f.workflow) q = q.where('workflow', '=', this.f.workflow);
    if (this.f.since) q = q.where('day', '>', this.f.since.slice(0, 10));
    if (opts.k1 !== undefined) q = q.where('k1', '=', opts.k1);
    if (by.length > 0) q = q.groupBy(by as never);
    // The whole days and the first day's facts read side by side (two connections of the pool); the
    // facts from an index alone where the keys it lacks are not asked for.
    const narrow =
      (kind === 'set' || kind === 'conf') && opts.k1 === undefined && !NARROW_KEYS[kind].some((k) => by.includes(k));
    const [summed, partial] = await Promise.all([q.execute(), this.partial(kind, narrow)]);
    const rows = summed as unknown as Record<string, string | number | null>[];
    const out = new Map<string, Summed>();
    const keyOf = (r: Record<string, unknown>) => by.map((k) => String(r[k])).join('\u0000');
    for (const r of rows) {
      const s: Summed = { workflow: '', day: '', k1: '', k2: '', k3: '', v: [] };
      for (const k of by) s[k] = String(r[k]);
      s.v = ROLL_VALUES.map((v) => Number(r[v] ?? 0));
      out.set(keyOf(r), s);
    }
    for (const p of partial) {
      if (p.kind !== kind || (opts.k1 !== undefined && p.k1 !== opts.k1)) continue;
      const k = keyOf(p as unknown as Record<string, unknown>);
      let s = out.get(k);
      if (!s) {
        s = { workflow: '', day: '', k1: '', k2: '', k3: '', v: new Array(n).fill(0) };
        for (const key of by) s[key] = p[key];
        out.set(k, s);
      }
      for (let i = 0; i < p.v.length; i++) s.v[i] = (s.v[i] ?? 0) + (p.v[i] ?? 0);
    }
    return [...out.values()];
  }

  /** Histograms of a kind over the window, merged per group `by` (keys other than the bucket's). */
  async hist(kind: 'dwell' | 'rdwell', by: readonly Key[]): Promise<{ key: Summed; h: Map<number, number> }[]> {
    let q = this.g
      .selectFrom('gov_roll')
      .select(['workflow', 'day', 'k1', 'k2', 'k3', 'hist'])
      .where('kind', '=', kind);
    if (this.f.workflow) q = q.where('workflow', '=', this.f.workflow);
    if (this.f.since) q = q.where('day', '>', this.f.since.slice(0, 10));
    const out = new Map<string, { key: Summed; h: Map<number, number> }>();
    const entry = (r: Record<string, unknown>) => {
      const k = by.map((x) => String(r[x])).join('\u0000');
      let e = out.get(k);
      if (!e) {
        const key: Summed = { workflow: '', day: '', k1: '', k2: '', k3: '', v: [] };
        for (const x of by) key[x] = String(r[x]);
        e = { key, h: new Map() };
        out.set(k, e);
      }
      return e;
    };
    for (const r of await q.execute()) decodeHist(r.hist, entry(r).h);
    const bucketKey = HIST_BUCKET_KEY[kind];
    for (const p of await this.partial(kind)) {
      if (p.kind !== kind) continue;
      const e = entry(p as unknown as Record<string, unknown>);
      const b = Number(p[bucketKey]);
      e.h.set(b, (e.h.get(b) ?? 0) + p.v[0]!);
    }
    return [...out.values()];
  }

  /** The window's open drafts: the non-canary drafts nobody has decided (partial indexes of migration 93). */
  private openDrafts() {
    let q = this.g.selectFrom('gov_facts').where(OPEN);
    if (this.f.workflow) q = q.where('workflow', '=', this.f.workflow);
    if (this.f.since) q = q.where('created_at', '>=', this.f.since);
    return q;
  }

  /** Open drafts in the window, counted by group in SQL: how many and the oldest's creation time. */
  open(): Promise<{ workflow: string; segment: string; model: string; n: number | string; oldest: string }[]> {
    return this.openDrafts()
      .select((eb) => [
        'workflow',
        'segment',
        'model',
        eb.fn.countAll<number>().as('n'),
        eb.fn.min('created_at').as('oldest'),
      ])
      .groupBy(['workflow', 'segment', 'model'])
      .execute() as never;
  }

  /**
   * The median queue age of each group's open drafts, as `quantile(ages, 0.5)` of every age: the
   * one or two middle drafts by creation time read by offset on an index (newest first is the ages
   * in ascending order), not every open draft loaded.
   */
  async openMedians(groups: readonly Group[], now: number): Promise<void> {
    for (const g of groups) {
      const n = g.open.n;
      if (n === 0 || g.open.median !== undefined) continue;
      const pos = (n - 1) * 0.5;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      let q = this.openDrafts().select('created_at');
      if (g.open.dim) q = q.where(g.open.dim, 'in', [...g.open.values]);
      const rows = await q
        .orderBy('created_at', 'desc')
        .limit(hi - lo + 1)
        .offset(lo)
        .execute();
      const age = (r: { created_at: string } | undefined) => (r ? Math.max(0, now - Date.parse(r.created_at)) : 0);
      const a = age(rows[0]);
      const b = age(rows[hi - lo]);
      g.open.median = a + (b - a) * (pos - lo);
    }
  }
}

/** Open, non-canary drafts: word for word the predicate of migration 93's partial indexes. */
const OPEN = sql<boolean>`is_open = 1 and is_canary = 0`;

const countsOf = (v: readonly number[]): MetricCounts => ({
  drafts: v[0]!,
  approved: v[1]!,
  edited: v[2]!,
  rejected: v[3]!,
  escalated: v[4]!,
  auto: v[5]!,
  reviewRouted: v[6]!,
  reviewRoutedApproved: v[7]!,
  auditedAuto: v[8]!,
  wrongAuto: v[9]!,
  checkedReviewed: v[10]!,
  wrongReviewed: v[11]!,
  decisions: v[12]!,
});

function addCounts(into: MetricCounts, c: MetricCounts): void {
  for (const k of Object.keys(into) as (keyof MetricCounts)[]) into[k] += c[k];
}

type OpenDim = 'workflow' | 'segment' | 'model';

class Group {
  counts = zeroCounts();
  present = false;
  dwell = new Map<number, number>();
  /**
   * The group's open drafts: how many, the greatest queue age, the median age (`Window.openMedians`)
   * and which they are: every one in the window (no `dim`), or those whose `dim` is one of `values`.
   */
  open: { n: number; maxAge: number | null; median?: number | null; dim: OpenDim | null; values: Set<string> };
  constructor(dim: OpenDim | null = null) {
    this.open = { n: 0, maxAge: null, dim, values: new Set() };
  }
}

function groupSet(g: Group, days: number): MetricSet {
  if (g.open.n > 0 && g.open.median === undefined) throw new Error('open drafts: median not read (openMedians)');
  return metricSetFrom(
    g.counts,
    {
      reviewTimeMedianMs: histogramQuantile(g.dwell, 0.5),
      reviewTimeP90Ms: histogramQuantile(g.dwell, 0.9),
      openDrafts: g.open.n,
      queueAgeMedianMs: g.open.n > 0 ? (g.open.median ?? null) : null,
      queueAgeMaxMs: g.open.maxAge,
    },
    { days },
  );
}

/** The metric sets of a window: overall and by workflow, segment and model version. */
async function metricGroups(w: Window, now: number) {
  const overall = new Group();
  const maps = {
    workflow: new Map<string, Group>(),
    segment: new Map<string, Group>(),
    model: new Map<string, Group>(),
    /** By the stored model version ('' = none named), for graduation's split by model version. */
    rawModel: new Map<string, Group>(),
  };
  const groupsOf = (workflow: string, segment: string, model: string) => {
    const get = (m: Map<string, Group>, k: string, dim: OpenDim) => {
      let x = m.get(k);
      if (!x) {
        x = new Group(dim);
        m.set(k, x);
      }
      return x;
    };
    return [
      overall,
      get(maps.workflow, workflow, 'workflow'),
      get(maps.segment, segment || '(none)', 'segment'),
      get(maps.model, model || '(unknown)', 'model'),
      get(maps.rawModel, model, 'model'),
    ];
  };
  for (const r of await w.sum('set', ['workflow', 'k1', 'k2'])) {
    if (r.v[0]! + r.v[14]! === 0) continue;
    for (const g of groupsOf(r.workflow, r.k1, r.k2)) {
      addCounts(g.counts, countsOf(r.v));
      g.present = true;
    }
  }
  for (const { key, h } of await w.hist('dwell', ['workflow', 'k1', 'k2']))
    for (const g of groupsOf(key.workflow, key.k1, key.k2))
      for (const [b, c] of h) g.dwell.set(b, (g.dwell.get(b) ?? 0) + c);
  for (const o of await w.open()) {
    const age = Math.max(0, now - Date.parse(o.oldest));
    const raw = { workflow: o.workflow, segment: o.segment, model: o.model };
    for (const g of groupsOf(o.workflow, o.segment, o.model)) {
      g.open.n += Number(o.n);
      g.open.maxAge = g.open.maxAge === null ? age : Math.max(g.open.maxAge, age);
      if (g.open.dim) g.open.values.add(raw[g.open.dim]);
    }
  }
  return { overall, ...maps };
}

/** Days the window spans (for the daily review load), as the in-memory computation counts them. */
async function windowDays(store: Store, f: Filter, now: number): Promise<number> {
  let start = f.since ? Date.parse(f.since) : Number.POSITIVE_INFINITY;
  if (!f.since) {
    let q = govDb(store.db)
      .selectFrom('gov_facts')
      .select((eb) => eb.fn.min('created_at').as('first'));
    if (f.workflow) q = q.where('workflow', '=', f.workflow);
    const row = await q.executeTakeFirst();
    if (row?.first) start = Date.parse(String(row.first));
  }
  return Number.isFinite(start) ? Math.max(1, (now - start) / DAY_MS) : 1;
}

/** GET /v1/metrics. */
export async function metricsFigures(store: Store, f: Filter, now: number): Promise<Metrics> {
  await refreshGovernance(store);
  const w = new Window(store, f);
  const days = await windowDays(store, f, now);
  const groups = await metricGroups(w, now);
  await w.openMedians(
    [groups.overall, ...[groups.workflow, groups.segment, groups.model].flatMap((m) => [...m.values()])].filter(
      (g) => g === groups.overall || g.present,
    ),
    now,
  );
  const sets = (m: Map<string, Group>) => {
    const out: Record<string, MetricSet> = {};
    for (const [k, g] of [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      if (g.present) out[k] = groupSet(g, days);
    return out;
  };
  return {
    since: f.since ?? null,
    until: new Date(now).toISOString(),
    overall: groupSet(groups.overall, days),
    byWorkflow: sets(groups.workflow),
    bySegment: sets(groups.segment),
    byModelVersion: sets(groups.model),
    reviewers: await reviewers(store, w),
    agreement: agreementFrom((await w.sum('pairs', ['k1', 'k2'])).map((r) => [r.k1, r.k2, r.v[0]!] as const)),
    daily: await daily(w),
  };
}

async function reviewers(store: Store, w: Window) {
  const rows = (await w.sum('reviewer', ['k1'])).filter((r) => r.v[0]! > 0);
  let judged = 0;
  let approved = 0;
  for (const r of rows) {
    judged += r.v[1]! + r.v[2]! + r.v[3]!;
    approved += r.v[1]!;
  }
  const team = judged > 0 ? approved / judged : 0;
  const dwell = new Map<string, Map<number, number>>();
  for (const { key, h } of await w.hist('rdwell', ['k1'])) dwell.set(key.k1, h);
  // Approval runs by decision day (overall or one workflow's), in day order.
  let sq = govDb(store.db)
    .selectFrom('gov_roll')
    .select(['k1', 'day', 'v0', 'v1', 'v2', 'v3', 'v4'])
    .where('kind', '=', 'streak')
    .where('workflow', '=', w.f.workflow ?? '*');
  if (w.f.since) sq = sq.where('day', '>=', w.f.since.slice(0, 10));
  const streaks = new Map<string, StreakDay[]>();
  for (const s of await sq.orderBy('k1').orderBy('day').execute()) {
    const list = streaks.get(s.k1) ?? [];
    list.push({ n: s.v0, prefix: s.v1, suffix: s.v2, longest: s.v3, all: s.v4 === 1 });
    streaks.set(s.k1, list);
  }
  return sortReviewerRows(
    rows.map((r) => {
      const v = r.v;
      const stats: ReviewerStats = {
        userId: r.k1,
        entries: v[0]!,
        approved: v[1]!,
        edited: v[2]!,
        rejected: v[3]!,
        escalated: v[4]!,
        timedApprovals: v[5]!,
        fast: v[6]!,
        canaries: v[7]!,
        caught: v[8]!,
        longestStreak: longestRun(streaks.get(r.k1) ?? []),
        reviewTimeMedianMs: histogramQuantile(dwell.get(r.k1) ?? new Map(), 0.5),
      };
      return reviewerRowFrom(stats, team);
    }),
  );
}

async function daily(w: Window): Promise<DailyPoint[]> {
  const days = new Map<
    string,
    { drafts: number; auto: number; conf: number; reviews: number; approved: number; overridden: number }
  >();
  const get = (day: string) => {
    let d = days.get(day);
    if (!d) {
      d = { drafts: 0, auto: 0, conf: 0, reviews: 0, approved: 0, overridden: 0 };
      days.set(day, d);
    }
    return d;
  };
  for (const r of await w.sum('set', ['day'])) {
    if (r.v[0] === 0) continue;
    const d = get(r.day);
    d.drafts += r.v[0]!;
    d.auto += r.v[5]!;
    d.conf += r.v[13]!;
  }
  for (const r of await w.sum('reviews', ['k1'])) {
    if (r.v[0] === 0) continue;
    const d = get(r.k1);
    d.reviews += r.v[0]!;
    d.approved += r.v[1]!;
    d.overridden += r.v[2]!;
  }
  const rate = (a: number, b: number) => (b > 0 ? a / b : null);
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, d]) => ({
      day,
      drafts: d.drafts,
      reviews: d.reviews,
      autoApproved: d.auto,
      approveUnchangedRate: rate(d.approved, d.reviews),
      overrideRate: rate(d.overridden, d.reviews),
      meanConfidence: d.drafts > 0 ? d.conf / d.drafts : null,
    }));
}

/** GET …/calibration. */
export async function calibrationFigures(store: Store, f: Filter): Promise<Calibration> {
  await refreshGovernance(store);
  const w = new Window(store, f);
  const rows = await w.sum('conf', ['k2'], f.modelVersion !== undefined ? { k1: f.modelVersion } : {});
  const acc: CalibrationSums[] = Array.from({ length: CALIBRATION_BINS }, () => ({ n: 0, conf: 0, ok: 0 }));
  const total = { n: 0, conf: 0, ok: 0, brier: 0 };
  let sq = 0;
  let confOk = 0;
  for (const r of rows) {
    const b = acc[Number(r.k2)]!;
    b.n += r.v[2]!;
    b.ok += r.v[3]!;
    b.conf += r.v[4]!;
    total.n += r.v[2]!;
    total.ok += r.v[3]!;
    total.conf += r.v[4]!;
    sq += r.v[5]!;
    confOk += r.v[6]!;
  }
  // Σ(c − y)² = Σc² − 2Σc·y + Σy (y is 0 or 1).
  total.brier = sq - 2 * confOk + total.ok;
  return calibrateFrom(acc, total);
}

/** The recommendation's and the curve's inputs for a window. */
async function recommendInputs(w: Window): Promise<RecommendInputs> {
  const rows = await w.sum('conf', ['k2', 'k3']);
  const byZk = Array.from({ length: 101 }, () => ({ labelled: 0, errors: 0, eligible: 0 }));
  const bands = Array.from({ length: 10 }, () => ({ n: 0, ok: 0 }));
  let population = 0;
  let labelled = 0;
  for (const r of rows) {
    const z = byZk[Number(r.k3)]!;
    z.labelled += r.v[2]!;
    z.errors += r.v[2]! - r.v[3]!;
    z.eligible += r.v[1]!;
    const b = bands[Number(r.k2)]!;
    b.n += r.v[2]!;
    b.ok += r.v[3]!;
    population += r.v[0]!;
    labelled += r.v[2]!;
  }
  // Suffix sums: everything at or above each 0.01 step.
  const atOrAbove = Array.from({ length: 102 }, () => ({ n: 0, errors: 0, eligible: 0 }));
  for (let k = 100; k >= 0; k--) {
    const z = byZk[k]!;
    const up = atOrAbove[k + 1]!;
    atOrAbove[k] = { n: up.n + z.labelled, errors: up.errors + z.errors, eligible: up.eligible + z.eligible };
  }
  const step = (t: number) => Math.max(0, Math.min(101, Math.round(t * 100)));
  return {
    labelled,
    population,
    bands,
    zone: (thresholds) =>
      [...thresholds]
        .sort((a, b) => b - a)
        .map((t): ZoneStat => ({ threshold: t, n: atOrAbove[step(t)]!.n, errors: atOrAbove[step(t)]!.errors })),
    eligibleAtOrAbove: (t) => atOrAbove[step(t)]!.eligible,
  };
}

/** GET …/recommendation. */
export async function recommendationFigures(
  store: Store,
  f: Filter,
  options: { target: number; current: { autoThreshold: number; reviewThreshold: number } },
): Promise<Recommendation> {
  await refreshGovernance(store);
  return recommendFrom(await recommendInputs(new Window(store, f)), options);
}

/**
 * GET …/simulate for any pair of thresholds, without reading the window's facts: the `zone` rollup
 * sums every 0.01 confidence step, its part under the step's grid value apart (`partAtOrAbove`: a
 * threshold on the grid, as thresholds mostly are, splits no part), and only the facts of the step a
 * threshold off the grid falls in (at most two) are read and compared with it exactly. The curve
 * from the rollups.
 */
export async function simulationFigures(
  store: Store,
  f: Filter,
  autoThreshold: number,
  reviewThreshold: number,
): Promise<SimulationOut> {
  await refreshGovernance(store);
  const w = new Window(store, f);
  const s = { n: 0, auto: 0, manual: 0, zoneN: 0, zoneErr: 0, judged: 0, unchanged: 0 };
  // The steps whose facts are read, side by side with the rollup: those of a threshold off the grid,
  // through the window's range of `gov_facts_workflow_created_sums` (zk and every column summed are
  // in it).
  const edges = [...new Set([offGridStep(autoThreshold), offGridStep(reviewThreshold)].filter((k) => k !== null))];
  const edgeSums = async () => {
    if (edges.length === 0) return null;
    let q = govDb(store.db)
      .selectFrom('gov_facts')
      .where('zk', 'in', edges)
      .where('is_canary', '=', 0)
      .select([
        sql<number>`sum(case when rule_escalated = 0 and confidence >= ${autoThreshold} then 1 else 0 end)`.as('auto'),
        sql<number>`sum(case when rule_escalated = 0 and confidence < ${autoThreshold} and confidence < ${reviewThreshold} then 1 else 0 end)`.as(
          'manual',
        ),
        sql<number>`sum(case when confidence >= ${autoThreshold} and is_correct is not null then 1 else 0 end)`.as(
          'zoneN',
        ),
        sql<number>`sum(case when confidence >= ${autoThreshold} and is_correct = 0 then 1 else 0 end)`.as('zoneErr'),
        sql<number>`sum(case when confidence < ${autoThreshold} and confidence >= ${reviewThreshold} and verdict is not null then 1 else 0 end)`.as(
          'judged',
        ),
        sql<number>`sum(case when confidence < ${autoThreshold} and confidence >= ${reviewThreshold} and verdict = 'approved' then 1 else 0 end)`.as(
          'unchanged',
        ),
      ]);
    if (f.workflow) q = q.where('workflow', '=', f.workflow);
    if (f.since) q = q.where('created_at', '>=', f.since);
    return (await q.executeTakeFirst())!;
  };
  const [zone, e] = await Promise.all([w.sum('zone', ['k1', 'k2']), edgeSums()]);
  for (const r of zone) {
    const k = Number(r.k1);
    const [drafts, eligible, labelled, wrong, verdict, approved] = r.v as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    s.n += drafts;
    const auto = partAtOrAbove(autoThreshold, k, r.k2);
    const review = partAtOrAbove(reviewThreshold, k, r.k2);
    // Undefined only in an edge step, counted from its facts.
    if (auto === undefined || review === undefined) continue;
    if (auto) {
      s.auto += eligible;
      s.zoneN += labelled;
      s.zoneErr += wrong;
    } else if (review) {
      s.judged += verdict;
      s.unchanged += approved;
    }
    if (!auto && !review) s.manual += eligible;
  }
  if (e)
    for (const k of ['auto', 'manual', 'zoneN', 'zoneErr', 'judged', 'unchanged'] as const) s[k] += Number(e[k] ?? 0);
  // The window's first and last draft (its days), each one step on `gov_facts_workflow_created_sums`.
  const end = async (dir: 'asc' | 'desc') => {
    let eq = govDb(store.db).selectFrom('gov_facts').select('created_at').where('is_canary', '=', 0);
    if (f.workflow) eq = eq.where('workflow', '=', f.workflow);
    if (f.since) eq = eq.where('created_at', '>=', f.since);
    return (await eq.orderBy('created_at', dir).limit(1).executeTakeFirst())?.created_at;
  };
  const lo = s.n > 0 ? await end('asc') : undefined;
  const hi = s.n > 0 ? await end('desc') : undefined;
  const days =
    lo !== undefined && hi !== undefined
      ? Math.max(1, Math.ceil((Date.parse(String(hi)) - Date.parse(String(lo))) / DAY_MS))
      : 1;
  const sim = simulationFrom(
    {
      n: s.n,
      days,
      auto: s.auto,
      manual: s.manual,
      review: s.n - s.auto - s.manual,
      zoneN: s.zoneN,
      zoneErr: s.zoneErr,
      reviewJudged: s.judged,
      reviewUnchanged: s.unchanged,
    },
    autoThreshold,
    reviewThreshold,
  );
  return { ...sim, curve: thresholdCurveFrom(await recommendInputs(w)) };
}

/** The graduation proposal (or step back) for a workflow, from the rollups. */
export async function graduationFigures(
  store: Store,
  policy: PolicyView,
  now: number,
  levelChangedAt: string | null,
): Promise<AutonomyOut> {
  await refreshGovernance(store);
  const workflow = policy.workflow;
  // Evidence since the last level change, of the current model version only (the latest draft's);
  // other versions' evidence is shown beside it, not counted.
  const latest = await govDb(store.db)
    .selectFrom('gov_facts')
    .select('model')
    .where('workflow', '=', workflow)
    .where('is_canary', '=', 0)
    .orderBy('created_at', 'desc')
    .orderBy('draft_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const model = latest?.model ?? '';
  const w = new Window(store, { workflow, since: levelChangedAt ?? undefined });
  const groups = await metricGroups(w, now);
  const earlier = new Group('model');
  const versions: (string | null)[] = [];
  for (const [m, g] of groups.rawModel) {
    if (m === model || g.counts.drafts === 0) continue;
    versions.push(m || null);
    addCounts(earlier.counts, g.counts);
    for (const [b, c] of g.dwell) earlier.dwell.set(b, (earlier.dwell.get(b) ?? 0) + c);
    earlier.open.n += g.open.n;
    if (g.open.maxAge !== null) earlier.open.maxAge = Math.max(earlier.open.maxAge ?? 0, g.open.maxAge);
    for (const v of g.open.values) earlier.open.values.add(v);
  }
  await w.openMedians(
    [groups.rawModel.get(model), earlier].filter((g) => g !== undefined),
    now,
  );
  const own = groupSet(groups.rawModel.get(model) ?? new Group(), 1);
  const back = await stepBackFigure(store, policy, now, levelChangedAt);
  const rec = await recommendFrom(await recommendInputs(new Window(store, { workflow })), {
    target: policy.falseAutoTarget,
    current: policy,
  });
  return proposeGraduationFrom(
    {
      own,
      modelVersion: model || null,
      earlier: earlier.counts.drafts > 0 ? { modelVersions: sortVersions(versions), set: groupSet(earlier, 1) } : null,
      stepBack: back,
      recommendation: () => rec,
    },
    policy,
    { levelChangedAt },
  );
}

/** The rule window's rates per `since`, read once per evaluation (step back and auto-adjust share them). */
type WindowSets = Map<string, Promise<RuleRates>>;

function windowSet(store: Store, workflow: string, since: string, sets: WindowSets) {
  let m = sets.get(since);
  if (!m) {
    m = ruleRatesFor(store, { workflow, since });
    sets.set(since, m);
  }
  return m;
}

/**
 * The rates the autonomy rules read, from the window's `set` sums alone (one rollup sum and its first
 * day's facts). The whole MetricSet's review-time histograms and queue ages, which no rule reads,
 * cost the evaluator ~40 ms a workflow at 1,000,000 drafts.
 */
async function ruleRatesFor(store: Store, f: Filter): Promise<RuleRates> {
  const [row] = await new Window(store, f).sum('set', []);
  return ruleRatesFrom(row ? countsOf(row.v) : zeroCounts());
}

async function stepBackFigure(
  store: Store,
  policy: PolicyView,
  now: number,
  levelChangedAt: string | null,
  sets: WindowSets = new Map(),
) {
  if (policy.level === 'review_all') return null;
  const since = new Date(windowStart(now, levelChangedAt)).toISOString();
  return stepBackFrom(await windowSet(store, policy.workflow, since, sets), policy);
}

/**
 * The auto-adjustment's sums over a workflow's window from `since`: drafts at or above the auto
 * threshold with an outcome and the wrong ones, and the review-routed drafts someone decided. From
 * the `zone` rollup (migration 103) as the simulator reads it (the window's first day from its facts):
 * a threshold on the 0.01 grid splits no part of a step (migration 104); one off it has its own
 * step's facts read (the window's range of `gov_facts_workflow_created_sums`) and compared exactly.
 * Exported for tests.
 */
export async function adjustmentZone(
  store: Store,
  workflow: string,
  since: string,
  autoThreshold: number,
): Promise<{ n: number; wrong: number; judged: number }> {
  const k = offGridStep(autoThreshold);
  const [rows, edge] = await Promise.all([
    new Window(store, { workflow, since }).sum('zone', ['k1', 'k2']),
    k === null
      ? undefined
      : govDb(store.db)
          .selectFrom('gov_facts')
          .where('workflow', '=', workflow)
          .where('zk', '=', k)
          .where('created_at', '>=', since)
          .where('is_canary', '=', 0)
          .select([
            sql<number>`sum(case when confidence >= ${autoThreshold} and outcome is not null then 1 else 0 end)`.as(
              'n',
            ),
            sql<number>`sum(case when confidence >= ${autoThreshold} and outcome = 0 then 1 else 0 end)`.as('wrong'),
          ])
          .executeTakeFirst(),
  ]);
  const s = { n: Number(edge?.n ?? 0), wrong: Number(edge?.wrong ?? 0), judged: 0 };
  for (const r of rows) {
    s.judged += r.v[8]!;
    // Off the grid, the threshold's own step (undefined) came from its facts above.
    if (!partAtOrAbove(autoThreshold, Number(r.k1), r.k2)) continue;
    s.n += r.v[6]!;
    s.wrong += r.v[7]!;
  }
  return s;
}

/** What the evaluator decides for a workflow now: step back and (opted in) threshold adjustment. */
export async function evaluationFigures(
  store: Store,
  policy: PolicyView & { autoAdjust: boolean },
  now: number,
  levelChangedAt: string | null,
): Promise<Pick<EvaluateOut, 'stepBack' | 'adjustment'>> {
  // It reads sums only, not the approval runs the refresh recomputes last: it starts on them at once.
  await refreshCounts(store);
  const sets: WindowSets = new Map();
  // Every read asked for at once: on the pool they run side by side.
  const back = awaitedLater(stepBackFigure(store, policy, now, levelChangedAt, sets));
  let adjustment: ThresholdAdjustment | null = null;
  if (policy.autoAdjust) {
    const workflow = policy.workflow;
    const since = new Date(windowStart(now, null)).toISOString();
    // The history the recommendation reads is the evaluator's: the last 90 days.
    const history = new Date(now - 90 * DAY_MS).toISOString();
    const [zone, inputs, window] = await Promise.all([
      adjustmentZone(store, workflow, since, policy.autoThreshold),
      recommendInputs(new Window(store, { workflow, since: history })),
      windowSet(store, workflow, since, sets),
    ]);
    adjustment = autoAdjustFrom(
      {
        zone: { n: zone.n, wrong: zone.wrong },
        recommendation: recommendFrom(inputs, { target: policy.falseAutoTarget, current: policy }),
        window,
        judged: zone.judged,
      },
      policy,
    );
  }
  return { stepBack: await back, adjustment };
}

/** Non-canary drafts per workflow (the dashboard's workflow list). */
export async function draftsPerWorkflow(store: Store): Promise<Map<string, number>> {
  await refreshGovernance(store);
  const rows = await new Window(store, {}).sum('set', ['workflow']);
  return new Map(rows.filter((r) => r.v[0]! > 0).map((r) => [r.workflow, r.v[0]!]));
}
