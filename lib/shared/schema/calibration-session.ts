import { z } from 'zod';
import { LIMITS } from './common';
import { Account, Content, DraftKind, Evidence, Target } from './draft';
import { Since } from './governance';
import { WorkflowName } from './workflow';

// Calibration sessions (issue 16): an admin picks drafts (or a random sample) and reviewers; each
// reviewer judges every draft blind (no one sees another's judgement, nothing is sent); the admin
// sees agreement (Fleiss' kappa with a bootstrap interval), each reviewer's deviation from the
// majority of the others, and the drafts that split the team.

export const CalibrationVerdict = z.enum(['approve', 'edit', 'reject', 'escalate']);
export type CalibrationVerdict = z.infer<typeof CalibrationVerdict>;
export const CALIBRATION_VERDICTS = CalibrationVerdict.options;

const Id = z.string().min(1).max(LIMITS.id);

/** `POST /v1/calibration-sessions` (admin): either `draftIds` or `sample`. */
export const CalibrationSessionCreate = z.strictObject({
  workflow: WorkflowName,
  name: z.string().trim().min(1).max(LIMITS.shortText).optional(),
  reviewers: z.array(Id).min(2).max(50),
  draftIds: z.array(Id).min(2).max(200).optional(),
  sample: z.strictObject({ size: z.number().int().min(2).max(200), since: Since.optional() }).optional(),
});
export type CalibrationSessionCreate = z.input<typeof CalibrationSessionCreate>;

export const CalibrationSession = z.object({
  id: z.string(),
  workflow: z.string(),
  name: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  reviewers: z.array(z.string()),
  items: z.number().int(),
  /** Admins: how many drafts each reviewer has judged (counts only, never the judgements). */
  progress: z.array(z.object({ userId: z.string(), judged: z.number().int() })).optional(),
  /** A reviewer in the session: how many they have judged. */
  yourJudged: z.number().int().optional(),
});
export type CalibrationSession = z.infer<typeof CalibrationSession>;

export const CalibrationSessionList = z.object({ sessions: z.array(CalibrationSession) });

export const CalibrationJudgement = z.strictObject({
  draftId: Id,
  verdict: CalibrationVerdict,
  reasons: z.array(z.string().min(1).max(100)).max(LIMITS.reasons).optional(),
  note: z.string().max(2000).optional(),
  dwellMs: z.number().int().nonnegative().max(86_400_000).optional(),
});
export type CalibrationJudgement = z.infer<typeof CalibrationJudgement>;

/** A draft to judge, as the pipeline wrote it: no status, decisions, outcome or anyone's judgement. */
export const CalibrationItem = z.object({
  draftId: z.string(),
  kind: DraftKind,
  content: Content,
  confidence: z.number(),
  rationale: z.string(),
  evidence: z.array(Evidence),
  account: Account,
  target: Target,
  flags: z.array(z.string()).optional(),
  inbound: z.boolean().optional(),
  /** The caller's own judgement, if they made one. */
  yours: CalibrationJudgement.omit({ draftId: true }).nullable(),
});
export type CalibrationItem = z.infer<typeof CalibrationItem>;

export const CalibrationItems = z.object({ session: CalibrationSession, items: z.array(CalibrationItem) });
export type CalibrationItems = z.infer<typeof CalibrationItems>;

export const CalibrationJudgementsIn = z.strictObject({ judgements: z.array(CalibrationJudgement).min(1).max(200) });
export const CalibrationJudgementsOut = z.object({
  saved: z.number().int(),
  judged: z.number().int(),
  items: z.number().int(),
});

const VerdictCounts = z.object({
  approve: z.number().int(),
  edit: z.number().int(),
  reject: z.number().int(),
  escalate: z.number().int(),
});

export const CalibrationResults = z.object({
  session: CalibrationSession,
  agreement: z.object({
    /** Drafts judged by at least two reviewers. */
    items: z.number().int(),
    ratings: z.number().int(),
    observed: z.number().nullable(),
    expected: z.number().nullable(),
    kappa: z.number().nullable(),
    /** Percentile bootstrap over drafts (null with fewer than two). */
    interval: z
      .object({ low: z.number(), high: z.number(), level: z.number(), replicates: z.number().int() })
      .nullable(),
  }),
  reviewers: z.array(
    z.object({
      userId: z.string(),
      judged: z.number().int(),
      compared: z.number().int(),
      deviations: z.number().int(),
      deviationRate: z.number().nullable(),
      verdicts: VerdictCounts,
    }),
  ),
  /** Drafts the team did not agree on, most divided first. */
  splits: z.array(
    z.object({
      draftId: z.string(),
      counts: VerdictCounts,
      majority: CalibrationVerdict.nullable(),
      agreement: z.number().nullable(),
      judgements: z.array(
        z.object({
          userId: z.string(),
          verdict: CalibrationVerdict,
          reasons: z.array(z.string()),
          note: z.string().nullable(),
        }),
      ),
    }),
  ),
});
export type CalibrationResults = z.infer<typeof CalibrationResults>;
