import type {
  AutonomyOut,
  AutonomyProposal,
  GovItem,
  MetricSet,
  Recommendation,
  ThresholdAdjustment,
} from '../schema/governance';
import type { Level } from '../schema/workflow';
import { latestOutcome } from './calibration';
import { metricSet, type RuleRates } from './metrics';
import { recommend } from './recommendation';
import { clopperPearsonUpper, wilson } from './stats';
import { detectionDelay, exceedsTarget, MIN_AUDITED_TO_TIGHTEN } from './tighten';

/**
 * The evidence each step up the autonomy ladder asks for. Figures from the practice guides:
 * verify exceptions after ~100 reviews at 80%+ approved unchanged; periodic audit after 200+;
 * drop review gates only after a statistically meaningful sample, typically 500 checked outputs.
 */
export const GRADUATION = {
  toExceptions: { reviews: 100, approveUnchanged: 0.8 },
  toAudit: { reviews: 200, checked: 50 },
  toAutonomous: { audited: 500 },
  /** Rolling window for step-back and auto-adjustment ("below target for a week"). */
  windowDays: 7,
  /** Minimum checks in the window before a dip is believed. */
  minRecentChecks: 20,
  /** Loosen only when this share of reviews was approved unchanged (the guides' 90%). */
  loosenUnnecessary: 0.9,
  minReviewsToLoosen: 50,
  /** Largest single loosening step: trust is handed back gradually. */
  maxLoosenStep: 0.05,
  tightenStep: 0.02,
} as const;

const LADDER: Level[] = ['review_all', 'review_exceptions', 'audit', 'autonomous'];
const DAY_MS = 86_400_000;

export interface PolicyView {
  workflow: string;
  level: Level;
  autoThreshold: number;
  reviewThreshold: number;
  falseAutoTarget: number;
  /** Audited auto-approvals the window needs before the tightening rule may fire (default 200). */
  minAuditedToTighten?: number;
}

function pct(x: number | null, d = 0): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(d)}%`;
}

function recent(items: readonly GovItem[], now: number, notBefore?: string | null): GovItem[] {
  const from = windowStart(now, notBefore);
  return items.filter((it) => Date.parse(it.createdAt) >= from);
}

/**
 * Whether the evidence supports moving the workflow one level up. Always a proposal for an admin
 * to accept, never applied here: autonomy is earned and granted, not assumed.
 */
export function proposeGraduation(
  items: readonly GovItem[],
  policy: PolicyView,
  options: { now?: number; recommendation?: Recommendation; levelChangedAt?: string | null } = {},
): AutonomyOut {
  const now = options.now ?? Date.now();
  // Each level earns the next on its own record: evidence from before the last level change (for
  // example the good weeks before a step back) does not count towards graduating again.
  const since = options.levelChangedAt ? Date.parse(options.levelChangedAt) : Number.NEGATIVE_INFINITY;
  // ... and each model version on its own: a new version starts a new count (earlier versions' evidence
  // is shown, not counted).
  const model = currentModelVersion(items);
  const own: GovItem[] = [];
  const earlier: GovItem[] = [];
  for (const it of items) {
    if (Date.parse(it.createdAt) < since) continue;
    ((it.modelVersion ?? null) === model ? own : earlier).push(it);
  }
  const earlierSet = metricSet(earlier, { days: 1, now });
  return proposeGraduationFrom(
    {
      own: metricSet(own, { days: 1, now }),
      modelVersion: model,
      earlier:
        earlierSet.drafts > 0
          ? {
              modelVersions: sortVersions(
                new Set(earlier.filter((it) => !it.canary).map((it) => it.modelVersion ?? null)),
              ),
              set: earlierSet,
            }
          : null,
      stepBack: stepBack(items, policy, { now, levelChangedAt: options.levelChangedAt }),
      recommendation: () =>
        options.recommendation ?? recommend(items, { target: policy.falseAutoTarget, current: policy }),
    },
    policy,
    options,
  );
}

/**
 * The model version graduation counts: that of the workflow's latest real (non-canary) draft, by
 * creation time then id; null when it names none (or there are no drafts).
 */
export function currentModelVersion(items: readonly GovItem[]): string | null {
  let latest: GovItem | null = null;
  for (const it of items) {
    if (it.canary) continue;
    if (!latest || it.createdAt > latest.createdAt || (it.createdAt === latest.createdAt && it.id > latest.id))
      latest = it;
  }
  return latest?.modelVersion ?? null;
}

/** Model versions in a stable order (null, the drafts that name none, last). */
export function sortVersions(versions: Iterable<string | null>): (string | null)[] {
  return [...versions].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
}

/** The figures graduation shows for a metric set (its own evidence, or earlier versions'). */
export function graduationEvidence(m: MetricSet): Record<string, number | null> {
  return {
    reviews: m.reviewed,
    approveUnchangedRate: m.approveUnchangedRate,
    postReviewErrorRate: m.postReviewErrorRate,
    checkedReviewed: m.checkedReviewed,
    falseAutoRate: m.falseAutoRate,
    auditedAuto: m.auditedAuto,
  };
}

/** What graduation reads: the level's own metrics, a pending step back, and the recommendation (asked only when needed). */
export interface GraduationInputs {
  /** The evidence that counts: drafts since the last level change, of the current model version. */
  own: MetricSet;
  /** The current model version (see `currentModelVersion`); undefined = not split by model version. */
  modelVersion?: string | null;
  /** Drafts since the last level change of other model versions: shown, not counted. */
  earlier?: { modelVersions: (string | null)[]; set: MetricSet } | null;
  stepBack: AutonomyProposal | null;
  recommendation: () => Recommendation;
}

/** `proposeGraduation` on its inputs. */
export function proposeGraduationFrom(
  inputs: GraduationInputs,
  policy: PolicyView,
  options: { levelChangedAt?: string | null } = {},
): AutonomyOut {
  const m = inputs.own;
  const target = policy.falseAutoTarget;
  const blockers: string[] = [];
  const idx = LADDER.indexOf(policy.level);
  const evidence = graduationEvidence(m);
  const out: AutonomyOut = {
    workflow: policy.workflow,
    level: policy.level,
    proposal: null,
    blockers,
    tightening: tighteningRule(policy),
  };
  if (inputs.modelVersion !== undefined) {
    out.modelVersion = inputs.modelVersion;
    out.earlierEvidence = inputs.earlier
      ? { modelVersions: inputs.earlier.modelVersions, evidence: graduationEvidence(inputs.earlier.set) }
      : null;
  }
  const step = inputs.stepBack;
  if (step) {
    out.proposal = step;
    return out;
  }
  if (idx >= LADDER.length - 1) {
    blockers.push('Already autonomous: nothing further to graduate to; audits keep watching for drift.');
    return out;
  }
  const to = LADDER[idx + 1]!;
  const reasons: string[] = [];
  if (policy.level === 'review_all') {
    const g = GRADUATION.toExceptions;
    if (m.reviewed < g.reviews) blockers.push(`${m.reviewed} of the ${g.reviews} reviews needed.`);
    if ((m.approveUnchangedRate ?? 0) < g.approveUnchanged)
      blockers.push(`${pct(m.approveUnchangedRate)} approved unchanged; ${pct(g.approveUnchanged)} needed.`);
    reasons.push(
      `${m.reviewed} reviews with ${pct(m.approveUnchangedRate)} approved unchanged (needs ≥ ${g.reviews} and ≥ ${pct(g.approveUnchanged)}).`,
    );
  } else if (policy.level === 'review_exceptions') {
    const g = GRADUATION.toAudit;
    if (m.reviewed < g.reviews) blockers.push(`${m.reviewed} of the ${g.reviews} reviews needed.`);
    if (m.checkedReviewed < g.checked)
      blockers.push(`${m.checkedReviewed} of the ${g.checked} outcome checks on reviewed drafts needed.`);
    else if ((m.postReviewErrorRate ?? 1) > target)
      blockers.push(`Post-review error rate ${pct(m.postReviewErrorRate, 1)} is above the ${pct(target, 1)} target.`);
    if (m.auditedAuto > 0 && (m.falseAutoRate ?? 0) > target)
      blockers.push(`False-auto-approval rate ${pct(m.falseAutoRate, 1)} is above the ${pct(target, 1)} target.`);
    reasons.push(
      `${m.reviewed} reviews; ${m.checkedReviewed} checked afterwards with a post-review error rate of ${pct(m.postReviewErrorRate, 1)} (target ${pct(target, 1)}).`,
    );
  } else {
    const g = GRADUATION.toAutonomous;
    const wrong = Math.round((m.falseAutoRate ?? 0) * m.auditedAuto);
    const ub = m.auditedAuto > 0 ? clopperPearsonUpper(wrong, m.auditedAuto) : null;
    evidence.falseAutoUpperBound = ub;
    if (m.auditedAuto < g.audited) blockers.push(`${m.auditedAuto} of the ${g.audited} audited auto-approvals needed.`);
    else if ((ub ?? 1) > target)
      blockers.push(`False-auto-approval rate could be as high as ${pct(ub, 1)} (target ${pct(target, 1)}).`);
    reasons.push(
      `${m.auditedAuto} audited auto-approvals, ${wrong} wrong; 95% upper bound ${pct(ub, 1)} against a ${pct(target, 1)} target.`,
    );
  }
  if (inputs.earlier)
    reasons.push(
      `Counted for model version ${inputs.modelVersion ?? '(none named)'} only: ${inputs.earlier.set.reviewed} reviews and ${inputs.earlier.set.auditedAuto} audits of earlier versions (${inputs.earlier.modelVersions.map((v) => v ?? '(none named)').join(', ')}) are not counted.`,
    );
  if (blockers.length > 0) return out;
  const rec = inputs.recommendation();
  return finishGraduation(out, rec, policy, to, reasons, evidence, options);
}

function finishGraduation(
  out: AutonomyOut,
  rec: Recommendation,
  policy: PolicyView,
  to: Level,
  reasons: string[],
  evidence: Record<string, number | null>,
  options: { levelChangedAt?: string | null },
): AutonomyOut {
  if (options.levelChangedAt)
    reasons.push(`Counted since the level last changed (${options.levelChangedAt.slice(0, 10)}).`);
  out.proposal = {
    workflow: policy.workflow,
    from: policy.level,
    to,
    kind: 'graduate',
    reasons,
    evidence,
    autoThreshold: rec.autoThreshold,
  };
  if (rec.autoThreshold !== null)
    out.proposal.reasons.push(`Suggested auto threshold with it: ${pct(rec.autoThreshold)} (${rec.reasons[0] ?? ''})`);
  return out;
}

/** The tightening rule of a policy with its simulated detection delay (deterministic). */
export function tighteningRule(policy: PolicyView): NonNullable<AutonomyOut['tightening']> {
  const target = policy.falseAutoTarget;
  const minAudited = policy.minAuditedToTighten ?? MIN_AUDITED_TO_TIGHTEN;
  const sim = (trueRate: number) =>
    detectionDelay({ trueRate, target, minAudited, perDay: 100, windowDays: GRADUATION.windowDays, runs: 200 });
  return {
    target,
    minAudited,
    windowDays: GRADUATION.windowDays,
    delayAtDoubleTarget: sim(Math.min(1, 2 * target)).medianAudited,
    falseAlarmAtHalfTarget: sim(target / 2).fired,
  };
}

/**
 * A quality dip in the last week: the false-auto-approval or post-review error rate is above target
 * even at the low end of its 95% interval. Stepping back is applied without waiting for an admin,
 * because the cost of waiting is wrong drafts reaching customers.
 */
export function stepBack(
  items: readonly GovItem[],
  policy: PolicyView,
  options: { now?: number; levelChangedAt?: string | null } = {},
): AutonomyProposal | null {
  if (LADDER.indexOf(policy.level) <= 0) return null;
  const now = options.now ?? Date.now();
  // Only drafts created since the level last changed count: what went wrong under the previous
  // level has already been answered by that change, so one bad week steps back one level, not all.
  return stepBackFrom(
    metricSet(recent(items, now, options.levelChangedAt), { days: GRADUATION.windowDays, now }),
    policy,
  );
}

/** The start of the step-back window: a week back, or the last level change if later. */
export function windowStart(now: number, levelChangedAt?: string | null): number {
  return Math.max(now - GRADUATION.windowDays * DAY_MS, levelChangedAt ? Date.parse(levelChangedAt) : 0);
}

/** `stepBack` on the window's rates. */
export function stepBackFrom(m: RuleRates, policy: PolicyView): AutonomyProposal | null {
  const idx = LADDER.indexOf(policy.level);
  if (idx <= 0) return null;
  const target = policy.falseAutoTarget;
  const reasons: string[] = [];
  const wrongAuto = Math.round((m.falseAutoRate ?? 0) * m.auditedAuto);
  const minAudited = policy.minAuditedToTighten ?? MIN_AUDITED_TO_TIGHTEN;
  if (exceedsTarget(wrongAuto, m.auditedAuto, target, minAudited))
    reasons.push(
      `In the last ${GRADUATION.windowDays} days ${wrongAuto} of ${m.auditedAuto} audited auto-approvals were wrong (${pct(m.falseAutoRate, 1)}; target ${pct(target, 1)}).`,
    );
  const wrongReviewed = Math.round((m.postReviewErrorRate ?? 0) * m.checkedReviewed);
  if (m.checkedReviewed >= GRADUATION.minRecentChecks && wilson(wrongReviewed, m.checkedReviewed).low > target)
    reasons.push(
      `In the last ${GRADUATION.windowDays} days ${wrongReviewed} of ${m.checkedReviewed} reviewed drafts were later found wrong (${pct(m.postReviewErrorRate, 1)}).`,
    );
  if (reasons.length === 0) return null;
  return {
    workflow: policy.workflow,
    from: policy.level,
    to: LADDER[idx - 1]!,
    kind: 'step_back',
    reasons,
    evidence: {
      recentAudited: m.auditedAuto,
      recentFalseAutoRate: m.falseAutoRate,
      recentChecked: m.checkedReviewed,
      recentPostReviewErrorRate: m.postReviewErrorRate,
    },
  };
}

/**
 * Optional automatic threshold adjustment over the rolling window: tighten as soon as the auto zone
 * misses the target; loosen only on evidence (reviews overwhelmingly unnecessary and a lower
 * threshold proven safe), and then by at most a small step.
 */
export function autoAdjust(
  items: readonly GovItem[],
  policy: PolicyView,
  options: { now?: number } = {},
): ThresholdAdjustment | null {
  const now = options.now ?? Date.now();
  const window = recent(items, now);
  const current = policy.autoThreshold;
  // Tighten: labelled drafts in the current auto zone within the window.
  let n = 0;
  let wrong = 0;
  for (const it of window) {
    if (it.canary || it.confidence < current) continue;
    const o = latestOutcome(it);
    if (o === null) continue;
    n++;
    if (!o) wrong++;
  }
  return autoAdjustFrom(
    {
      zone: { n, wrong },
      recommendation: recommend(items, { target: policy.falseAutoTarget, current: policy }),
      window: metricSet(window, { days: GRADUATION.windowDays, now }),
      judged: window.filter((it) => !it.canary && it.route === 'review' && it.decisions.length > 0).length,
    },
    policy,
  );
}

/** What auto-adjustment reads of the rolling window and the history. */
export interface AdjustInputs {
  /** Drafts at or above the current auto threshold with an outcome in the window, and the wrong ones. */
  zone: { n: number; wrong: number };
  recommendation: Recommendation;
  window: RuleRates;
  /** Review-routed drafts someone decided in the window. */
  judged: number;
}

/** `autoAdjust` on its inputs. */
export function autoAdjustFrom(inputs: AdjustInputs, policy: PolicyView): ThresholdAdjustment | null {
  const target = policy.falseAutoTarget;
  const current = policy.autoThreshold;
  const { n, wrong } = inputs.zone;
  const rec = inputs.recommendation;
  if (exceedsTarget(wrong, n, target, policy.minAuditedToTighten ?? MIN_AUDITED_TO_TIGHTEN)) {
    const raised =
      rec.autoThreshold !== null && rec.autoThreshold > current
        ? rec.autoThreshold
        : Math.min(0.99, round2(current + GRADUATION.tightenStep));
    if (raised <= current) return null;
    return {
      autoThreshold: raised,
      previous: current,
      reasons: [
        `Tightened: ${wrong} of ${n} audited drafts at or above ${pct(current)} were wrong in the last ${GRADUATION.windowDays} days (${pct(wrong / n, 1)}, target ${pct(target, 1)}).`,
      ],
      evidence: {
        audited: n,
        wrong,
        falseAutoRate: wrong / n,
        target,
        minAudited: policy.minAuditedToTighten ?? MIN_AUDITED_TO_TIGHTEN,
        windowDays: GRADUATION.windowDays,
      },
    };
  }
  const m = inputs.window;
  const judged = inputs.judged;
  if (
    judged >= GRADUATION.minReviewsToLoosen &&
    (m.unnecessaryReviewRate ?? 0) > GRADUATION.loosenUnnecessary &&
    rec.autoThreshold !== null &&
    rec.autoThreshold < current
  ) {
    // Never below the review threshold: the auto zone must stay above the manual one.
    const lowered = Math.max(rec.autoThreshold, round2(current - GRADUATION.maxLoosenStep), policy.reviewThreshold);
    if (lowered >= current) return null;
    return {
      autoThreshold: lowered,
      previous: current,
      reasons: [
        `Loosened: ${pct(m.unnecessaryReviewRate)} of ${judged} reviews in the last ${GRADUATION.windowDays} days were approved unchanged (over ${pct(GRADUATION.loosenUnnecessary)}), and ${pct(rec.autoThreshold)} is proven safe: ${rec.reasons[0] ?? ''}`,
      ],
      evidence: {
        reviews: judged,
        unnecessaryReviewRate: m.unnecessaryReviewRate,
        loosenAboveRate: GRADUATION.loosenUnnecessary,
        recommendedThreshold: rec.autoThreshold,
        expectedFalseAutoRate: rec.expectedFalseAutoRate,
        target,
        windowDays: GRADUATION.windowDays,
      },
    };
  }
  return null;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
