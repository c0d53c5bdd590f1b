import { describe, expect, it } from 'vitest';
import { autoAdjust, proposeGraduation, stepBack } from '../../lib/shared/policy/autonomy';
import { CANARY_KINDS, canariesFor, lookalikeId, makeCanary } from '../../lib/shared/policy/canary';
import { computeMetrics, metricSet, overrideBand } from '../../lib/shared/policy/metrics';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import { mulberry32 } from '../../lib/shared/policy/stats';
import { minReadMs, reviewerAgreement, reviewerTable } from '../../lib/shared/policy/vigilance';
import type { DraftIn } from '../../lib/shared/schema';
import type { GovDecision, GovItem } from '../../lib/shared/schema/governance';

const T0 = Date.parse('2026-11-01T00:00:00Z');
let seq = 0;

function item(over: Partial<GovItem> = {}): GovItem {
  return {
    id: `i${++seq}`,
    workflow: 'w',
    confidence: 0.9,
    route: 'review',
    status: 'approved',
    createdAt: new Date(T0 + seq * 60_000).toISOString(),
    settledAt: null,
    segment: null,
    modelVersion: null,
    canary: false,
    ruleEscalated: false,
    words: 125,
    decisions: [],
    outcomes: [],
    ...over,
  };
}

function dec(userId: string, action: GovDecision['action'], dwellMs: number | null = 30_000, at = seq): GovDecision {
  return {
    userId,
    action,
    dwellMs,
    decidedAt: new Date(T0 + at * 60_000 + 1000).toISOString(),
    changed: action === 'edit' ? true : undefined,
  };
}

describe('metrics', () => {
  it('computes the issue rates on a table of known cases', () => {
    const items = [
      ...Array.from({ length: 8 }, () => item({ decisions: [dec('a', 'approve')] })),
      item({ decisions: [dec('a', 'edit')] }),
      item({ decisions: [dec('a', 'reject')], status: 'rejected' }),
      item({ decisions: [dec('a', 'escalate')], status: 'escalated' }),
      item({ ruleEscalated: true, status: 'pending' }),
      // Auto-approved: two audited (one wrong), one not audited.
      item({ route: 'auto', status: 'auto_approved', outcomes: [{ correct: true, source: 'audit', at: 'z' }] }),
      item({ route: 'auto', status: 'auto_approved', outcomes: [{ correct: false, source: 'audit', at: 'z' }] }),
      item({ route: 'auto', status: 'auto_approved' }),
      // Approved by a person, later found wrong.
      item({ decisions: [dec('a', 'approve')], outcomes: [{ correct: false, source: 'customer', at: 'z' }] }),
      // A canary: left out of every rate.
      item({ canary: true, decisions: [dec('a', 'approve')] }),
    ];
    const m = metricSet(items, { days: 2, now: T0 + 3 * 86_400_000 });
    expect(m.drafts).toBe(16);
    expect(m.reviewed).toBe(11); // 9 approvals (one later wrong), 1 edit, 1 reject
    expect(m.approveUnchangedRate).toBeCloseTo(9 / 11, 9);
    expect(m.acceptanceRate).toBeCloseTo(10 / 11, 9);
    expect(m.editRate).toBeCloseTo(1 / 11, 9);
    expect(m.rejectRate).toBeCloseTo(1 / 11, 9);
    expect(m.overrideRate).toBeCloseTo(2 / 11, 9);
    expect(m.overrideBand).toBe('healthy');
    expect(m.escalationRate).toBeCloseTo(2 / 16, 9);
    expect(m.autoApprovalRate).toBeCloseTo(3 / 16, 9);
    expect(m.auditedAuto).toBe(2);
    expect(m.falseAutoRate).toBeCloseTo(0.5, 9);
    expect(m.checkedReviewed).toBe(1);
    expect(m.postReviewErrorRate).toBe(1);
    expect(m.unnecessaryReviewRate).toBeCloseTo(9 / 11, 9);
    expect(m.reviewTimeMedianMs).toBe(30_000);
    expect(m.dailyReviewLoad).toBeCloseTo(12 / 2, 9);
    expect(m.openDrafts).toBe(2);
  });

  it('marks the healthy override band', () => {
    expect(overrideBand(0.01)).toBe('low');
    expect(overrideBand(0.05)).toBe('healthy');
    expect(overrideBand(0.2)).toBe('healthy');
    expect(overrideBand(0.35)).toBe('high');
    expect(overrideBand(null)).toBe('unknown');
  });

  it('splits by workflow, segment and model version, and builds a daily series', () => {
    const items = [
      ...syntheticItems({ n: 50, seed: 1, workflow: 'a', modelVersion: 'v1', days: 5 }),
      ...syntheticItems({ n: 30, seed: 2, workflow: 'b', modelVersion: 'v2', days: 5 }),
    ];
    const m = computeMetrics(items, { now: Date.parse('2026-10-07T00:00:00Z') });
    expect(m.byWorkflow.a!.drafts).toBe(50);
    expect(m.byWorkflow.b!.drafts).toBe(30);
    expect(Object.keys(m.byModelVersion).sort()).toEqual(['v1', 'v2']);
    expect(m.bySegment['(none)']!.drafts).toBe(80);
    expect(m.daily.reduce((n, d) => n + d.drafts, 0)).toBe(80);
    expect(m.reviewers.map((r) => r.userId).sort()).toEqual(['rev-a', 'rev-b', 'rev-c']);
  });
});

describe('reviewer vigilance', () => {
  it('reading speed: 600 words a minute with a 2.5 s floor', () => {
    expect(minReadMs(125)).toBe(12_500);
    expect(minReadMs(5)).toBe(2_500);
  });

  it('flags a rubber stamp (fast, streaky, near-total approval, missed canaries) and not a careful reviewer', () => {
    const items: GovItem[] = [];
    const rng = mulberry32(3);
    for (let i = 0; i < 200; i++) {
      // Careful: reads for 20–60 s, approves about 80%.
      const careful = rng() < 0.8 ? 'approve' : rng() < 0.6 ? 'edit' : 'reject';
      items.push(item({ decisions: [dec('careful', careful, 20_000 + Math.floor(rng() * 40_000))] }));
      // Stamp: approves everything in about 2 s.
      items.push(item({ decisions: [dec('stamp', 'approve', 1_500 + Math.floor(rng() * 1_000))] }));
    }
    for (let i = 0; i < 5; i++) {
      items.push(item({ canary: true, decisions: [dec('stamp', 'approve', 2_000)] }));
      items.push(item({ canary: true, decisions: [dec('careful', i === 0 ? 'approve' : 'reject')] }));
    }
    const rows = reviewerTable(items);
    const stamp = rows.find((r) => r.userId === 'stamp')!;
    const careful = rows.find((r) => r.userId === 'careful')!;
    expect(stamp.flags).toEqual(
      expect.arrayContaining(['fast_approvals', 'long_streak', 'near_total_approval', 'missed_canaries']),
    );
    expect(stamp.fastApprovalShare).toBe(1);
    expect(stamp.longestApproveStreak).toBe(205);
    expect(stamp.canaryCatchRate).toBe(0);
    expect(careful.flags).toEqual([]);
    expect(careful.canaryCatchRate).toBeCloseTo(0.8, 9);
    expect(careful.notes.join(' ')).toMatch(/Missed 1 of 5/);
    // Flagged people are listed first.
    expect(rows[0]!.userId).toBe('stamp');
  });

  it("agreement and Cohen's kappa on drafts reviewed twice", () => {
    const items: GovItem[] = [];
    // 20 both approve, 10 both edit, 5 approve/edit, 5 edit/approve: po = 0.75; pe = 0.625·0.625 + 0.375·0.375 = 0.53125.
    const add = (a: GovDecision['action'], b: GovDecision['action'], n: number) => {
      for (let i = 0; i < n; i++) items.push(item({ decisions: [dec('x', a, 1, seq), dec('y', b, 1, seq + 0.5)] }));
    };
    add('approve', 'approve', 20);
    add('edit', 'edit', 10);
    add('approve', 'edit', 5);
    add('edit', 'approve', 5);
    items.push(item({ decisions: [dec('x', 'approve')] })); // single review: not a pair
    const a = reviewerAgreement(items);
    expect(a.pairs).toBe(40);
    expect(a.agreement).toBeCloseTo(0.75, 9);
    expect(a.kappa).toBeCloseTo((0.75 - 0.53125) / (1 - 0.53125), 9);
  });
});

describe('canaries', () => {
  const base: DraftIn = {
    externalId: 'ext-48213-abc',
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: 'maria@initech.test', name: 'Maria Stone', company: 'Initech' },
    account: { name: 'Initech' },
    content: {
      subject: 'Initech and your 2026 rollout',
      body: 'Hi Maria,\n\nInitech is rolling out to 40 sites in 2026. Our plan is $1,200 a month.\n\nBest, Sam',
      to: 'maria@initech.test',
    },
    confidence: 0.9,
    rationale: 'r',
    evidence: [{ label: 'News', snippet: 'Initech expands to 40 sites' }],
  };

  const pristine = structuredClone(base);

  it.each(CANARY_KINDS)('%s plants a visible defect and keeps everything else', (kind) => {
    const c = makeCanary(base, { seed: 1, kind, year: 2026, otherCompanies: ['Globex'] })!;
    expect(c).not.toBeNull();
    expect(c.kind).toBe(kind);
    expect(c.draft.content).not.toEqual(base.content);
    expect(c.draft.confidence).toBe(base.confidence);
    expect(c.draft.account).toEqual(base.account);
    expect(c.draft.externalId).not.toBe(base.externalId);
    expect(c.draft.externalId).toMatch(/^ext-\d{5}-[a-z]{3}$/);
    const body = c.draft.kind === 'email' ? c.draft.content : null;
    if (kind === 'wrong_company') expect(body!.body).toContain('Globex');
    if (kind === 'stale_fact') expect(body!.subject).toMatch(/202[2-4]/);
    if (kind === 'wrong_price') expect(body!.body).not.toContain('$1,200');
    if (kind === 'wrong_recipient') expect(body!.to).not.toBe('maria@initech.test');
    expect(base).toEqual(pristine); // the original is untouched
  });

  it('is reproducible for a seed and falls back to a kind that applies', () => {
    expect(makeCanary(base, { seed: 42 })).toEqual(makeCanary(base, { seed: 42 }));
    const note: DraftIn = { ...base, kind: 'note', content: { text: 'Call went well.' } } as DraftIn;
    const c = makeCanary(note, { seed: 5 });
    expect(c).not.toBeNull();
    expect(c!.draft.content).not.toEqual(note.content);
  });

  it('look-alike ids keep the shape', () => {
    const rng = mulberry32(1);
    expect(lookalikeId('AB-12-xy', rng)).toMatch(/^[A-Z]{2}-\d{2}-[a-z]{2}$/);
  });

  it('canary share of a queue matches the rate on average', () => {
    const rng = mulberry32(9);
    let canaries = 0;
    const real = 20_000;
    for (let i = 0; i < real; i++) canaries += canariesFor(0.05, rng);
    expect(canaries / (canaries + real)).toBeCloseTo(0.05, 2);
    expect(canariesFor(0, rng)).toBe(0);
  });
});

describe('autonomy', () => {
  const policy = {
    workflow: 'w',
    level: 'review_all' as const,
    autoThreshold: 0.98,
    reviewThreshold: 0.7,
    falseAutoTarget: 0.02,
    // Small synthetic windows: the rule's minimum lowered to fit them (default 200).
    minAuditedToTighten: 20,
  };
  const now = Date.parse('2026-11-01T00:00:00Z');
  const start = '2026-10-01T00:00:00Z';

  it('proposes review_exceptions after 100+ reviews with 80%+ approved unchanged, with the numbers', () => {
    const good = syntheticItems({ n: 150, seed: 4, start, accuracy: () => 0.9 });
    const out = proposeGraduation(good, policy, { now });
    expect(out.proposal?.to).toBe('review_exceptions');
    expect(out.proposal?.kind).toBe('graduate');
    expect(out.proposal?.evidence.reviews).toBe(150);
    expect(out.proposal!.reasons[0]).toMatch(/150 reviews/);
  });

  it('does not propose on too few reviews or a low approval rate, and says why', () => {
    const few = proposeGraduation(syntheticItems({ n: 60, seed: 4, start, accuracy: () => 0.95 }), policy, { now });
    expect(few.proposal).toBeNull();
    expect(few.blockers.join(' ')).toMatch(/60 of the 100 reviews/);
    const poor = proposeGraduation(syntheticItems({ n: 300, seed: 4, start, accuracy: () => 0.6 }), policy, { now });
    expect(poor.proposal).toBeNull();
    expect(poor.blockers.join(' ')).toMatch(/approved unchanged/);
  });

  it('review_exceptions → audit needs 200 reviews and a low post-review error rate', () => {
    const p = { ...policy, level: 'review_exceptions' as const };
    const clean = syntheticItems({ n: 400, seed: 6, start, accuracy: () => 0.99, outcomeRate: 0.5 });
    // Outcomes on approved drafts say they were right.
    const out = proposeGraduation(clean, p, { now });
    expect(out.proposal?.to).toBe('audit');
    const dirty = clean.map((it, i) =>
      it.outcomes.length && i % 4 === 0
        ? { ...it, outcomes: [{ correct: false, source: 'qa' as const, at: 'z' }] }
        : it,
    );
    // Recent errors: not only no graduation, a step back.
    expect(proposeGraduation(dirty, p, { now }).proposal?.kind).toBe('step_back');
    // Old errors (outside the step-back window) still block graduation.
    const later = proposeGraduation(dirty, p, { now: now + 60 * 86_400_000 });
    expect(later.proposal).toBeNull();
    expect(later.blockers.join(' ')).toMatch(/Post-review error rate/);
  });

  it('steps back when audited auto-approvals go wrong in the last week', () => {
    const p = { ...policy, level: 'audit' as const };
    const recent = syntheticItems({ n: 60, seed: 7, start: '2026-10-28T00:00:00Z', days: 3 }).map((it, i) => ({
      ...it,
      route: 'auto' as const,
      decisions: [],
      outcomes: [{ correct: i % 4 !== 0, source: 'audit' as const, at: it.createdAt }],
    }));
    const back = stepBack(recent, p, { now });
    expect(back?.to).toBe('review_exceptions');
    expect(back?.reasons[0]).toMatch(/15 of 60 audited/);
    // The same errors a month ago do not count: the window is the last 7 days.
    expect(stepBack(recent, p, { now: now + 30 * 86_400_000 })).toBeNull();
    // And review_all has nowhere to step back to.
    expect(stepBack(recent, policy, { now })).toBeNull();
  });

  it('one bad week steps back one level, and graduating again needs a fresh record', () => {
    const p = { ...policy, level: 'review_exceptions' as const };
    const recent = syntheticItems({ n: 60, seed: 7, start: '2026-10-28T00:00:00Z', days: 3 }).map((it, i) => ({
      ...it,
      route: 'auto' as const,
      decisions: [],
      outcomes: [{ correct: i % 4 !== 0, source: 'audit' as const, at: it.createdAt }],
    }));
    // The step back happened after these drafts: the same evidence does not step back again.
    expect(stepBack(recent, p, { now, levelChangedAt: '2026-10-31T12:00:00Z' })).toBeNull();
    // Good history from before the change does not count towards graduating again.
    const before = syntheticItems({ n: 300, seed: 4, start: '2026-09-01T00:00:00Z', days: 20, accuracy: () => 0.95 });
    expect(proposeGraduation(before, policy, { now }).proposal?.to).toBe('review_exceptions');
    const after = proposeGraduation(before, policy, { now, levelChangedAt: '2026-10-01T00:00:00Z' });
    expect(after.proposal).toBeNull();
    expect(after.blockers.join(' ')).toMatch(/0 of the 100 reviews/);
  });

  it('auto-adjust tightens on a bad auto zone and loosens only on evidence', () => {
    const p = { ...policy, level: 'review_exceptions' as const, autoThreshold: 0.9 };
    const bad = syntheticItems({ n: 80, seed: 8, start: '2026-10-29T00:00:00Z', days: 2 }).map((it, i) => ({
      ...it,
      confidence: 0.95,
      route: 'auto' as const,
      decisions: [],
      outcomes: [{ correct: i % 5 !== 0, source: 'audit' as const, at: it.createdAt }],
    }));
    const tight = autoAdjust(bad, p, { now });
    expect(tight!.autoThreshold).toBeGreaterThan(0.9);
    expect(tight!.reasons[0]).toMatch(/^Tightened/);
    // Reviews almost all unnecessary and a lower threshold proven safe: loosen, by at most 5 points.
    const easy = syntheticItems({
      n: 3000,
      seed: 9,
      start: '2026-10-26T00:00:00Z',
      days: 5,
      accuracy: (c) => (c > 0.8 ? 0.997 : 0.9),
    });
    const loose = autoAdjust(easy, { ...p, autoThreshold: 0.98 }, { now });
    expect(loose).not.toBeNull();
    expect(loose!.autoThreshold).toBeGreaterThanOrEqual(0.93);
    expect(loose!.autoThreshold).toBeLessThan(0.98);
    expect(loose!.reasons[0]).toMatch(/^Loosened/);
  });
});
