import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoAdjust, proposeGraduation, stepBack, windowStart } from '../../lib/shared/policy/autonomy';
import { calibrationOf, latestOutcome } from '../../lib/shared/policy/calibration';
import { computeMetrics } from '../../lib/shared/policy/metrics';
import { recommend } from '../../lib/shared/policy/recommendation';
import { simulate, thresholdCurve } from '../../lib/shared/policy/simulate';
import type { GovItem } from '../../lib/shared/schema/governance';
import { type LoadFilter, loadItems, loadPolicy, writeHistory } from '../../server/service/governance';
import { zoneIndex } from '../../server/service/governance/facts';
import { adjustmentZone } from '../../server/service/governance/figures';
import { view } from '../../server/service/governance/load';
import { refreshGovernance } from '../../server/service/governance/refresh';
import { seededHistory } from '../helpers/governance-data';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { exportFeedbackOracle } from './governance-oracle-export';

// Issue 16: every governance figure served from SQL aggregates and rollups equals what the earlier
// in-memory computation (load every draft, decision and outcome; run lib/shared/policy over them)
// gives on the same fixed, seeded data. The oracle is that computation, run here on the same store.

const NOW = Date.parse('2026-11-20T15:30:00.000Z');
const DAY = 86_400_000;
/** A `since` in the middle of a day, so whole-day rollups and the partial first day both count. */
const SINCE = new Date(NOW - 17 * DAY - 5 * 3_600_000 - 123_000).toISOString();
const WF = 'outbound-email';

/** Quantiles of review time come from a histogram with 5%-wide buckets: within 2.5% of the exact value. */
const APPROX = new Set(['reviewTimeMedianMs', 'reviewTimeP90Ms']);

/** Deep equality: integers and strings exactly, other numbers to 1e-9 (relative), APPROX keys to 2.6%. */
function expectSame(actual: unknown, expected: unknown, path = '$', skip: ReadonlySet<string> = new Set()): void {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (skip.has(key)) return;
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tol = APPROX.has(key) ? 0.026 : 1e-9;
    if (Number.isInteger(expected) && !APPROX.has(key)) expect(actual, path).toBe(expected);
    else expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((e, i) => {
      expectSame((actual as unknown[])[i], e, `${path}[${i}]`, skip);
    });
    return;
  }
  if (expected && typeof expected === 'object') {
    expect(actual && typeof actual === 'object', path).toBe(true);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(
      Object.keys(a)
        .filter((k) => !skip.has(k))
        .sort(),
      path,
    ).toEqual(
      Object.keys(e)
        .filter((k) => !skip.has(k))
        .sort(),
    );
    for (const k of Object.keys(e)) expectSame(a[k], e[k], `${path}.${k}`, skip);
    return;
  }
  expect(actual, path).toEqual(expected);
}

/**
 * Issue 13: the client's `decidedAt` is information only, windows and order use the server's
 * receive time. Some decisions get a client clock hours off (both ways), so a figure or export
 * that read `decided_at` would differ from the oracle.
 */
async function skewClientClocks(server: TestApi): Promise<void> {
  const rows = await server.store.db
    .selectFrom('decisions')
    .select(['id', 'draft_id', 'received_at'])
    .orderBy('draft_id')
    .orderBy('received_at')
    .execute();
  await server.store.db.transaction().execute(async (trx) => {
    for (const [i, r] of rows.entries()) {
      if (i % 7 !== 3) continue;
      const skew = (i % 2 === 0 ? -1 : 1) * (3 * 3_600_000 + (i % 5) * 17 * 60_000 + 4 * DAY * (i % 3));
      await trx
        .updateTable('decisions')
        .set({ decided_at: new Date(Date.parse(r.received_at) + skew).toISOString() })
        .where('id', '=', r.id)
        .execute();
    }
  });
}

/**
 * Issue 18: what the reviewers really sent, through the API as the extension reports it. Of the
 * approved drafts (one or two approvals), some are sent with text edited in the page, some sent
 * unchanged, some saved edited, and some were already changed in the page when approved (a
 * placement with the page's content, no `sent`). Every kind counts as an edit in governance, and
 * applies to the draft's last approval only.
 */
async function reportPages(server: TestApi, items: readonly GovItem[]): Promise<{ edited: number; plain: number }> {
  const approvedIds = items
    .filter((it) => !it.canary && it.decisions.some((d) => d.action === 'approve' || d.action === 'edit'))
    .map((it) => it.id);
  const decisions = await server.store.db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .select([
      'decisions.id as id',
      'decisions.draft_id as draftId',
      'decisions.user_id as userId',
      'decisions.received_at as at',
      'drafts.input_json as input',
    ])
    .where('decisions.action', 'in', ['approve', 'edit'])
    .where('decisions.status', '=', 'applied')
    .where('drafts.canary', '=', false)
    .orderBy('decisions.received_at')
    .orderBy('decisions.id')
    .execute();
  const last = new Map<string, (typeof decisions)[number]>();
  for (const d of decisions) last.set(d.draftId, d);
  const tokens = new Map<string, string>();
  const byUser = new Map<string, unknown[]>();
  let edited = 0;
  let plain = 0;
  for (const [i, id] of approvedIds.entries()) {
    const kind = i % 9;
    if (kind > 3) continue;
    const d = last.get(id);
    if (!d) continue;
    const content = (JSON.parse(d.input) as { content: { subject: string; body: string } }).content;
    const changed = { subject: content.subject, body: `${content.body}\nP.S. typed in the page before sending.` };
    const at = new Date(Date.parse(d.at) + 120_000).toISOString();
    const base = { id: randomUUID(), draftId: id, decisionId: d.id, at };
    const report =
      kind === 0
        ? { ...base, kind: 'end', end: 'sent', content: changed }
        : kind === 1
          ? { ...base, kind: 'end', end: 'sent', content }
          : kind === 2
            ? { ...base, kind: 'end', end: 'saved', content: changed }
            : { ...base, kind: 'placement', reached: true, pageContent: changed };
    if (kind === 1) plain++;
    else edited++;
    byUser.set(d.userId, [...(byUser.get(d.userId) ?? []), report]);
  }
  for (const [user, reports] of byUser) {
    if (!tokens.has(user)) tokens.set(user, await server.token('reviewer', { user }));
    for (let i = 0; i < reports.length; i += 100) {
      const res = await server.api('/v1/page-reports', {
        token: tokens.get(user)!,
        body: { reports: reports.slice(i, i + 100) },
      });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { results: Array<{ status: string; error?: string }> };
      for (const r of out.results) expect(r.status, r.error).toBe('applied');
    }
  }
  expect(edited).toBeGreaterThan(100);
  expect(plain).toBeGreaterThan(30);
  return { edited, plain };
}

describe.each(TEST_DBS)('governance figures equal the in-memory computation on %s', (db) => {
  let server: TestApi;
  let admin: string;
  const items = seededHistory({ seed: 1616, n: 3000, now: NOW, belowGrid: 4 });
  const load = (f: LoadFilter) => loadItems(server.store, f);

  beforeAll(async () => {
    server = await startTestApp(db, { now: () => new Date(NOW) });
    admin = await server.token('admin', { user: 'eq-admin' });
    await writeHistory(server.store, items);
    await skewClientClocks(server);
    // The facts are built now, before the page reports below arrive: a `sent` or an edited
    // placement after the decision must move them (the drafts' version watermark).
    expect((await server.api('/v1/metrics', { token: admin })).status).toBe(200);
    await reportPages(server, items);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const get = async (path: string) => {
    const res = await server.api(path, { token: admin });
    expect(res.status, path).toBe(200);
    return (await res.json()) as unknown;
  };

  it.each([
    ['all', {}],
    ['one workflow', { workflow: WF }],
    ['since', { since: SINCE }],
    ['one workflow since', { workflow: WF, since: SINCE }],
  ] as const)('metrics (%s)', async (_name, q: { workflow?: string; since?: string }) => {
    const qs = new URLSearchParams(q as Record<string, string>).toString();
    const actual = await get(`/v1/metrics?${qs}`);
    const expected = computeMetrics(await load(q), { since: q.since ?? null, now: NOW });
    // With a `since`, the approval streak counts the decisions made in the window (the rollup
    // keeps streaks by decision day); the oracle counts the decisions on drafts created in it.
    const skip = q.since ? new Set(['longestApproveStreak', 'flags', 'notes']) : new Set<string>();
    expectSame(actual, JSON.parse(JSON.stringify(expected)), '$', skip);
  });

  it.each([
    ['all', {}],
    ['since', { since: SINCE }],
    ['model version', { modelVersion: 'm2' }],
    ['model version since', { modelVersion: 'm1', since: SINCE }],
  ] as const)('calibration (%s)', async (_name, q: { since?: string; modelVersion?: string }) => {
    const qs = new URLSearchParams(q as Record<string, string>).toString();
    for (const wf of [WF, 'crm-update']) {
      const actual = await get(`/v1/workflows/${wf}/calibration?${qs}`);
      expectSame(actual, JSON.parse(JSON.stringify(calibrationOf(await load({ workflow: wf, ...q })))));
    }
  });

  it.each([
    ['default target', {}],
    ['5% target', { target: '0.05' }],
    ['since', { since: SINCE }],
  ] as const)('recommendation (%s)', async (_name, q: { target?: string; since?: string }) => {
    const qs = new URLSearchParams(q as Record<string, string>).toString();
    for (const wf of [WF, 'linkedin-note']) {
      const policy = await loadPolicy(server.store, wf);
      const actual = await get(`/v1/workflows/${wf}/recommendation?${qs}`);
      const expected = recommend(await load({ workflow: wf, since: q.since }), {
        target: q.target ? Number(q.target) : policy.falseAutoTarget,
        current: policy,
      });
      expectSame(actual, JSON.parse(JSON.stringify(expected)));
    }
  });

  it.each([
    ['0.9 / 0.6', { autoThreshold: '0.9', reviewThreshold: '0.6' }],
    ['0.955 / 0.7 since', { autoThreshold: '0.955', reviewThreshold: '0.7', since: SINCE }],
    // Issue 16: the simulator reads only the thresholds' own 0.01 steps from facts: both in one
    // step, on a step's edge, and at the ends.
    ['0.953 / 0.951 (one step)', { autoThreshold: '0.953', reviewThreshold: '0.951' }],
    ['0.8 / 0.8 since (edges)', { autoThreshold: '0.8', reviewThreshold: '0.8', since: SINCE }],
    ['1 / 0', { autoThreshold: '1', reviewThreshold: '0' }],
  ] as const)('simulation and curve (%s)', async (_name, q: Record<string, string>) => {
    const qs = new URLSearchParams(q).toString();
    const actual = await get(`/v1/workflows/${WF}/simulate?${qs}`);
    const its = await load({ workflow: WF, since: q.since });
    // A threshold on the 0.01 grid splits its step's rollup rows in two (migration 104): the seeded
    // history has drafts just under each one tried here (`belowGrid`).
    for (const t of [Number(q.autoThreshold), Number(q.reviewThreshold)])
      if (t > 0 && t === zoneIndex(t) / 100)
        expect(
          its.filter((it) => it.confidence < t && zoneIndex(it.confidence) === zoneIndex(t)).length,
          `under ${t}`,
        ).toBeGreaterThan(0);
    const expected = {
      ...simulate(its, Number(q.autoThreshold), Number(q.reviewThreshold)),
      curve: thresholdCurve(its),
    };
    expectSame(actual, JSON.parse(JSON.stringify(expected)));
  });

  // The window's first day is summed from its facts, each step's part under its grid value apart as
  // in the rollup (migration 104): thresholds at the grid values of that day's drafts exactly on or
  // just under one.
  it("simulation at the grid values of the first day's drafts", async () => {
    const day = SINCE.slice(0, 10);
    let on = 0;
    let under = 0;
    for (const wf of [WF, 'linkedin-note', 'crm-update']) {
      const its = await load({ workflow: wf, since: SINCE });
      const grid = new Set<number>();
      for (const it of its) {
        if (it.canary || it.createdAt.slice(0, 10) !== day) continue;
        const t = zoneIndex(it.confidence) / 100;
        if (it.confidence === t) on++;
        else if (it.confidence < t) under++;
        else continue;
        grid.add(t);
      }
      for (const t of grid) {
        const actual = await get(`/v1/workflows/${wf}/simulate?autoThreshold=${t}&reviewThreshold=${t}&since=${SINCE}`);
        expectSame(actual, JSON.parse(JSON.stringify({ ...simulate(its, t, t), curve: thresholdCurve(its) })));
      }
    }
    expect(on).toBeGreaterThan(0);
    expect(under).toBeGreaterThan(0);
  });

  it('autonomy proposal', async () => {
    for (const wf of [WF, 'linkedin-note', 'crm-update']) {
      const policy = await loadPolicy(server.store, wf);
      // `changes` comes from the audit log (tests/api/governance-changes.test.ts); the rest is the proposal.
      const { changes, ...actual } = (await get(`/v1/workflows/${wf}/autonomy`)) as { changes?: unknown };
      expect(Array.isArray(changes)).toBe(true);
      const expected = proposeGraduation(await load({ workflow: wf }), view(policy), {
        now: NOW,
        levelChangedAt: null,
      });
      expectSame(actual, JSON.parse(JSON.stringify(expected)));
    }
  });

  it('evaluation (step back and auto-adjustment) at the audit level', async () => {
    const wf = 'crm-update';
    const put = await server.api(`/v1/workflows/${wf}`, {
      token: admin,
      method: 'PUT',
      body: {
        level: 'audit',
        autoAdjust: true,
        autoThreshold: 0.9,
        falseAutoTarget: 0.05,
        minAuditedToTighten: 30,
        levelSkipReason: 'equality test: evaluate at the audit level',
      },
    });
    expect(put.status).toBe(200);
    const policy = view(await loadPolicy(server.store, wf));
    const its = await load({ workflow: wf, since: new Date(NOW - 90 * DAY).toISOString() });
    const back = stepBack(its, policy, { now: NOW, levelChangedAt: null });
    const adjustment = autoAdjust(its, policy, { now: NOW });
    const res = await server.api(`/v1/workflows/${wf}/evaluate`, { token: admin, method: 'POST', body: {} });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { stepBack: unknown; adjustment: unknown };
    expectSame(out.stepBack, JSON.parse(JSON.stringify(back)));
    expectSame(out.adjustment, JSON.parse(JSON.stringify(adjustment)));
  });

  // The auto-adjustment's sums come from the zone rollup (migration 103), a threshold off the grid's
  // own 0.01 step from its facts (104): thresholds on a step's edge, inside one, at the ends, and
  // every grid value with a draft with an outcome just under it (which the threshold's step's rows
  // hold apart), each against the loop `autoAdjust` runs over the window's drafts.
  const adjustmentWindow = async () => {
    const since = new Date(windowStart(NOW, null)).toISOString();
    return { since, window: (await load({ workflow: WF, since })).filter((it) => !it.canary) };
  };
  const adjustmentSums = (window: readonly GovItem[], threshold: number) => {
    const expected = { n: 0, wrong: 0, judged: 0 };
    for (const it of window) {
      if (it.route === 'review' && it.decisions.length > 0) expected.judged++;
      const o = latestOutcome(it);
      if (it.confidence < threshold || o === null) continue;
      expected.n++;
      if (!o) expected.wrong++;
    }
    return expected;
  };
  it.each([0.01, 0.5, 0.873, 0.9, 0.9049999, 0.95, 0.99, 1])(
    'auto-adjustment sums at threshold %s',
    async (threshold) => {
      const { since, window } = await adjustmentWindow();
      const expected = adjustmentSums(window, threshold);
      if (threshold <= 0.5) expect(expected.n).toBeGreaterThan(20);
      expect(expected.judged).toBeGreaterThan(20);
      await refreshGovernance(server.store);
      expect(await adjustmentZone(server.store, WF, since, threshold)).toEqual(expected);
    },
  );
  it('auto-adjustment sums at grid values with drafts just under them', async () => {
    const { since, window } = await adjustmentWindow();
    const grid = [
      ...new Set(
        window
          .filter((it) => latestOutcome(it) !== null && it.confidence < zoneIndex(it.confidence) / 100)
          .map((it) => zoneIndex(it.confidence) / 100),
      ),
    ];
    expect(grid.length).toBeGreaterThan(2);
    await refreshGovernance(server.store);
    for (const t of grid)
      expect(await adjustmentZone(server.store, WF, since, t), `at ${t}`).toEqual(adjustmentSums(window, t));
  });

  it.each([
    ['all', {}],
    ['one workflow since', { workflow: WF, since: SINCE }],
  ] as const)('feedback export (%s), line for line', async (_name, q: { workflow?: string; since?: string }) => {
    const qs = new URLSearchParams(q as Record<string, string>).toString();
    const res = await server.api(`/v1/export/feedback.jsonl?${qs}`, { token: admin });
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
    const expected = await exportFeedbackOracle(server.store, q);
    expect(lines.length).toBeGreaterThan(100);
    // The in-page edits and skewed client clocks are in the data the figures were compared on.
    expect(lines.filter((l) => (l as { editedInPage?: boolean }).editedInPage).length).toBeGreaterThan(20);
    expect(
      lines.filter((l) => {
        const x = l as { decidedAt: string; receivedAt: string };
        return x.decidedAt !== x.receivedAt;
      }).length,
    ).toBeGreaterThan(20);
    expect(lines).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});
