import { z } from 'zod';
import { DecisionAction } from './decision';
import { Level, Rate } from './workflow';

// Governance (issue 6): the plain-data inputs the policy functions read, and the wire shapes of
// the governance endpoints. Inputs are what the server assembles from drafts, decisions and
// outcomes; keeping them flat lets lib/shared/policy stay free of any storage code.

/** One person's decision on a draft, as governance needs it. */
export const GovDecision = z.object({
  userId: z.string(),
  action: DecisionAction,
  dwellMs: z.number().int().nonnegative().nullable(),
  decidedAt: z.string(),
  /** For `edit`: whether the final content really differs (an edit that changes nothing is an approval). */
  changed: z.boolean().optional(),
  /** Reason codes given with the decision. */
  reasons: z.array(z.string()).optional(),
});
export type GovDecision = z.infer<typeof GovDecision>;

export const GovOutcome = z.object({
  correct: z.boolean(),
  source: z.enum(['audit', 'customer', 'qa']),
  at: z.string(),
});
export type GovOutcome = z.infer<typeof GovOutcome>;

/** A draft with everything governance learns from it. */
export const GovItem = z.object({
  id: z.string(),
  workflow: z.string(),
  confidence: z.number().min(0).max(1),
  route: z.enum(['auto', 'review', 'manual']),
  status: z.string(),
  createdAt: z.string(),
  /** When a person or the router settled it; null while open. */
  settledAt: z.string().nullable(),
  segment: z.string().nullable(),
  modelVersion: z.string().nullable(),
  /** Known-bad test draft: excluded from calibration and quality figures, used for vigilance. */
  canary: z.boolean(),
  /** Routed to a person by an escalation rule (named account, flag, inbound) regardless of confidence. */
  ruleEscalated: z.boolean(),
  /** Words a reviewer has to read (subject + body, or field values). */
  words: z.number().int().nonnegative(),
  decisions: z.array(GovDecision),
  outcomes: z.array(GovOutcome),
});
export type GovItem = z.infer<typeof GovItem>;

/**
 * `since` query parameter: an ISO-8601 time (any offset) or a date. Normalised to UTC ISO so it
 * compares correctly with the stored UTC timestamps as text, on both databases.
 */
export const Since = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => new Date(v).toISOString());

// ---- Calibration -------------------------------------------------------------------------

export const CalibrationBin = z.object({
  lo: z.number(),
  hi: z.number(),
  count: z.number().int(),
  /** null for an empty bin: there is nothing to average. */
  meanConfidence: z.number().nullable(),
  accuracy: z.number().nullable(),
  /** Added: 95% Wilson interval of the accuracy. */
  accuracyLow: z.number().nullable().optional(),
  accuracyHigh: z.number().nullable().optional(),
});
export type CalibrationBin = z.infer<typeof CalibrationBin>;

export const Calibration = z.object({
  n: z.number().int(),
  ece: z.number().nullable(),
  brier: z.number().nullable(),
  bins: z.array(CalibrationBin),
  warning: z.string().optional(),
  /** Added: the largest gap between confidence and accuracy over bins with enough data. */
  mce: z.number().nullable().optional(),
  /** Added: mean confidence minus accuracy (> 0 = over-confident). */
  overconfidence: z.number().nullable().optional(),
});
export type Calibration = z.infer<typeof Calibration>;

export const CalibrationQuery = z.object({
  since: Since.optional(),
  modelVersion: z.string().max(200).optional(),
});

// ---- Recommendation ----------------------------------------------------------------------

export const Recommendation = z.object({
  autoThreshold: z.number().nullable(),
  reviewThreshold: z.number(),
  expectedFalseAutoRate: z.number().nullable(),
  expectedAutoRate: z.number(),
  n: z.number().int(),
  reasons: z.array(z.string()),
  /** Added: the target used and the one-sided upper confidence bound of the error rate in the auto zone. */
  target: z.number().optional(),
  confidence: z.number().optional(),
  falseAutoUpperBound: z.number().nullable().optional(),
  /** Added: labelled drafts at or above the recommended threshold, and how many of them were wrong. */
  zoneN: z.number().int().optional(),
  zoneErrors: z.number().int().optional(),
});
export type Recommendation = z.infer<typeof Recommendation>;

export const RecommendationQuery = z.object({
  target: z.coerce.number().gt(0).lt(1).optional(),
  since: Since.optional(),
});

// ---- Simulation --------------------------------------------------------------------------

export const Simulation = z.object({
  autoThreshold: z.number(),
  reviewThreshold: z.number(),
  n: z.number().int(),
  days: z.number(),
  autoRate: z.number(),
  reviewRate: z.number(),
  manualRate: z.number(),
  reviewLoadPerDay: z.number(),
  autoPerDay: z.number(),
  /** Error rate among labelled drafts in the auto zone, with its 95% Wilson interval. */
  falseAutoRate: z.number().nullable(),
  falseAutoLow: z.number().nullable(),
  falseAutoHigh: z.number().nullable(),
  labelledInAutoZone: z.number().int(),
  expectedErrorsPerDay: z.number().nullable(),
  /** Reviewed drafts in the review zone that were approved unchanged. */
  unnecessaryReviewRate: z.number().nullable(),
});
export type Simulation = z.infer<typeof Simulation>;

export const ThresholdCurvePoint = z.object({
  threshold: z.number(),
  autoRate: z.number(),
  falseAutoRate: z.number().nullable(),
  upperBound: z.number().nullable(),
  labelled: z.number().int(),
});
export type ThresholdCurvePoint = z.infer<typeof ThresholdCurvePoint>;

export const SimulationQuery = z.object({
  autoThreshold: z.coerce.number().min(0).max(1),
  reviewThreshold: z.coerce.number().min(0).max(1),
  since: Since.optional(),
});

export const SimulationOut = Simulation.extend({ curve: z.array(ThresholdCurvePoint) });
export type SimulationOut = z.infer<typeof SimulationOut>;

// ---- Metrics -----------------------------------------------------------------------------

export const Interval = z.object({ low: z.number(), high: z.number() });

export const OverrideBand = z.enum(['low', 'healthy', 'high', 'unknown']);
export type OverrideBand = z.infer<typeof OverrideBand>;

export const MetricSet = z.object({
  drafts: z.number().int(),
  reviewed: z.number().int(),
  acceptanceRate: z.number().nullable(),
  approveUnchangedRate: z.number().nullable(),
  editRate: z.number().nullable(),
  rejectRate: z.number().nullable(),
  overrideRate: z.number().nullable(),
  /** 5–20% is healthy: below, review may be ceremonial; above, the model adds little. */
  overrideBand: OverrideBand,
  escalationRate: z.number().nullable(),
  autoApprovalRate: z.number().nullable(),
  reviewTimeMedianMs: z.number().nullable(),
  reviewTimeP90Ms: z.number().nullable(),
  dailyReviewLoad: z.number().nullable(),
  openDrafts: z.number().int(),
  queueAgeMedianMs: z.number().nullable(),
  queueAgeMaxMs: z.number().nullable(),
  falseAutoRate: z.number().nullable(),
  falseAutoInterval: Interval.nullable(),
  auditedAuto: z.number().int(),
  unnecessaryReviewRate: z.number().nullable(),
  postReviewErrorRate: z.number().nullable(),
  postReviewInterval: Interval.nullable(),
  checkedReviewed: z.number().int(),
});
export type MetricSet = z.infer<typeof MetricSet>;

export const VigilanceFlag = z.enum(['fast_approvals', 'long_streak', 'near_total_approval', 'missed_canaries']);
export type VigilanceFlag = z.infer<typeof VigilanceFlag>;

export const ReviewerRow = z.object({
  userId: z.string(),
  decisions: z.number().int(),
  approveUnchangedRate: z.number().nullable(),
  editRate: z.number().nullable(),
  rejectRate: z.number().nullable(),
  escalateRate: z.number().nullable(),
  reviewTimeMedianMs: z.number().nullable(),
  fastApprovals: z.number().int(),
  fastApprovalShare: z.number().nullable(),
  longestApproveStreak: z.number().int(),
  canariesSeen: z.number().int(),
  canariesCaught: z.number().int(),
  canaryCatchRate: z.number().nullable(),
  flags: z.array(VigilanceFlag),
  notes: z.array(z.string()),
});
export type ReviewerRow = z.infer<typeof ReviewerRow>;

export const Agreement = z.object({
  pairs: z.number().int(),
  agreement: z.number().nullable(),
  kappa: z.number().nullable(),
});
export type Agreement = z.infer<typeof Agreement>;

export const DailyPoint = z.object({
  day: z.string(),
  drafts: z.number().int(),
  reviews: z.number().int(),
  autoApproved: z.number().int(),
  approveUnchangedRate: z.number().nullable(),
  overrideRate: z.number().nullable(),
  meanConfidence: z.number().nullable(),
});
export type DailyPoint = z.infer<typeof DailyPoint>;

export const Metrics = z.object({
  since: z.string().nullable(),
  until: z.string(),
  overall: MetricSet,
  byWorkflow: z.record(z.string(), MetricSet),
  bySegment: z.record(z.string(), MetricSet),
  byModelVersion: z.record(z.string(), MetricSet),
  reviewers: z.array(ReviewerRow),
  agreement: Agreement,
  daily: z.array(DailyPoint),
});
export type Metrics = z.infer<typeof Metrics>;

export const MetricsQuery = z.object({
  workflow: z.string().max(100).optional(),
  since: Since.optional(),
});

// ---- Autonomy ----------------------------------------------------------------------------

export const AutonomyEvidence = z.record(z.string(), z.number().nullable());

export const AutonomyProposal = z.object({
  workflow: z.string(),
  from: Level,
  to: Level,
  kind: z.enum(['graduate', 'step_back']),
  reasons: z.array(z.string()),
  evidence: AutonomyEvidence,
  /** Thresholds to apply together with the level change, when there is one to suggest. */
  autoThreshold: Rate.nullable().optional(),
});
export type AutonomyProposal = z.infer<typeof AutonomyProposal>;

/** One change of a workflow's autonomy, from the audit log: when, by whom, what, and why. */
export const AutonomyChange = z.object({
  at: z.string(),
  actor: z.string(),
  kind: z.enum(['tightened', 'loosened', 'step_back', 'graduated', 'level_skipped']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  reasons: z.array(z.string()),
  /**
   * Added (issue 16): the figures the change was made on, as recorded with it (e.g. `audited`,
   * `wrong`, `falseAutoRate`, `target`; rates 0..1). Absent for changes recorded without them.
   */
  evidence: AutonomyEvidence.optional(),
  /** Added (issue 16): the change in one sentence for a team lead (lib/shared/policy/changes.ts). */
  summary: z.string().optional(),
});
export type AutonomyChange = z.infer<typeof AutonomyChange>;

export const AutonomyOut = z.object({
  workflow: z.string(),
  level: Level,
  proposal: AutonomyProposal.nullable(),
  /** Why no graduation is proposed yet: what is missing. */
  blockers: z.array(z.string()),
  /**
   * Added (issue 16): the tightening / step-back rule and its detection delay: how many audited
   * auto-approvals it takes (median, simulated at 100 audits a day) to notice a true rate of twice
   * the target, and how often a true rate of half the target sets it off within 30 days.
   */
  tightening: z
    .object({
      target: z.number(),
      minAudited: z.number().int(),
      windowDays: z.number().int(),
      delayAtDoubleTarget: z.number().nullable(),
      falseAlarmAtHalfTarget: z.number(),
    })
    .optional(),
  /**
   * Added (issue 16): the model version whose evidence counts for graduation (that of the workflow's
   * latest draft; null = drafts that name no model). A new model version earns autonomy again.
   */
  modelVersion: z.string().nullable().optional(),
  /**
   * Added (issue 16): evidence since the last level change from drafts of other (earlier) model
   * versions: shown, not counted. Null when there is none.
   */
  earlierEvidence: z
    .object({
      modelVersions: z.array(z.string().nullable()),
      evidence: AutonomyEvidence,
    })
    .nullable()
    .optional(),
  /** Added (issue 16): the workflow's latest autonomy changes (tightened, stepped back, graduated…), newest first. */
  changes: z.array(AutonomyChange).optional(),
});
export type AutonomyOut = z.infer<typeof AutonomyOut>;

export const ThresholdAdjustment = z.object({
  autoThreshold: Rate,
  previous: Rate,
  reasons: z.array(z.string()),
  /** Added (issue 16): the figures behind it (recorded in the audit log; shown as the workflow's `changes`). */
  evidence: AutonomyEvidence.optional(),
});
export type ThresholdAdjustment = z.infer<typeof ThresholdAdjustment>;

export const EvaluateOut = z.object({
  workflow: z.string(),
  stepBack: AutonomyProposal.nullable(),
  adjustment: ThresholdAdjustment.nullable(),
  applied: z.array(z.string()),
});
export type EvaluateOut = z.infer<typeof EvaluateOut>;

// ---- Canaries ----------------------------------------------------------------------------

export const CanaryKind = z.enum(['wrong_company', 'stale_fact', 'wrong_price', 'wrong_recipient']);
export type CanaryKind = z.infer<typeof CanaryKind>;

// ---- Feedback export ---------------------------------------------------------------------

/** One line of `GET /v1/export/feedback.jsonl`: a decision with what the model wrote and what the person kept. */
export const FeedbackLine = z.object({
  decisionId: z.string(),
  draftId: z.string(),
  externalId: z.string(),
  workflow: z.string(),
  kind: z.string(),
  action: DecisionAction,
  userId: z.string(),
  /** The client's time of the decision, in UTC (information; windows use `receivedAt`). */
  decidedAt: z.string(),
  /** Added (issue 13): when the server received it; `since` and the order use this. */
  receivedAt: z.string().optional(),
  original: z.unknown(),
  final: z.unknown().nullable(),
  diff: z.string().nullable(),
  reasons: z.array(z.string()),
  note: z.string().nullable(),
  confidence: z.number(),
  model: z.object({ name: z.string(), version: z.string(), prompt: z.string().optional() }).nullable(),
  dwellMs: z.number().nullable(),
  outcome: z.object({ correct: z.boolean(), source: z.string() }).nullable(),
  /** Preference-pair label: approved unchanged = original preferred; edit = final preferred; reject = neither. */
  label: z.enum(['accepted', 'corrected', 'rejected', 'escalated']),
  /** Issue 18: the person changed the approved text in the page; `final` is what the page held. */
  editedInPage: z.boolean().optional(),
});
export type FeedbackLine = z.infer<typeof FeedbackLine>;

export const ExportQuery = z.object({
  workflow: z.string().max(100).optional(),
  since: Since.optional(),
});

// ---- Dashboard helpers -------------------------------------------------------------------

export const WorkflowSummary = z.object({
  workflow: z.string(),
  level: Level,
  autoThreshold: z.number(),
  reviewThreshold: z.number(),
  canaryRate: z.number(),
  falseAutoTarget: z.number(),
  autoAdjust: z.boolean(),
  /** Added (issue 16 §4): share of people's approvals sampled into audit. */
  approvalAuditRate: z.number().optional(),
  drafts: z.number().int(),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;

export const GovernanceWorkflows = z.object({ workflows: z.array(WorkflowSummary) });
export type GovernanceWorkflows = z.infer<typeof GovernanceWorkflows>;

export const AcceptBody = z.strictObject({ to: Level, autoThreshold: Rate.optional() });
export type AcceptBody = z.infer<typeof AcceptBody>;

export const CanaryBody = z.strictObject({ count: z.number().int().min(1).max(100).default(1) });
export const CanaryOut = z.object({ created: z.number().int() });
