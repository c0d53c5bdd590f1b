import { z } from 'zod';
import { Since } from './governance';

// Accountability (issue 16 §4, "accountability that teaches"): negative outcomes traced to who
// approved the draft; per reviewer: misses found later, canary catch rate, time per review and the
// reasons they used; and an error-type breakdown by reason code over time per workflow and segment.
// `GET /v1/accountability` (admin). Every figure is a SQL aggregate (server/service/accountability.ts).

export const AccountabilityQuery = z.object({
  workflow: z.string().min(1).max(100).optional(),
  segment: z.string().min(1).max(200).optional(),
  /** Approvals decided, decisions received and outcomes recorded on or after this time (default: all). */
  since: Since.optional(),
});
export type AccountabilityQuery = z.infer<typeof AccountabilityQuery>;

const Count = z.number().int().min(0);
const Share = z.number().min(0).max(1).nullable();

export const MissesBySource = z.object({ audit: Count, customer: Count, qa: Count });

export const ReasonCount = z.object({ reason: z.string(), count: Count });

/** One reviewer's approvals and their misses in one workflow and segment ('' = none). */
export const AccountabilityCell = z.object({
  userId: z.string(),
  workflow: z.string(),
  segment: z.string(),
  /** Approved drafts (status approved) this person approved, canaries left out. */
  approvals: Count,
  /** Of those, drafts with any outcome recorded (checked later). */
  checked: Count,
  /** Of those, drafts an outcome found wrong (audit failure, customer complaint, QA). */
  misses: Count,
});

export const AccountabilityReviewer = z.object({
  userId: z.string(),
  name: z.string().nullable(),
  approvals: Count,
  checked: Count,
  misses: Count,
  missesBySource: MissesBySource,
  /** misses / checked (null when nothing checked). */
  missRate: Share,
  /** Applied decisions (any action) received in the window, canaries included. */
  reviews: Count,
  /** Median dwell time of their decisions with one (null when none). */
  reviewTimeMedianMs: z.number().nullable(),
  canaries: Count,
  /** Canaries edited (changed), rejected or escalated. */
  canariesCaught: Count,
  canaryCatchRate: Share,
  /** Reason codes they gave on edits and rejections, most used first. */
  reasons: z.array(ReasonCount),
});

/** A negative outcome, traced to the people who approved the draft. */
export const AccountabilityMiss = z.object({
  draftId: z.string(),
  workflow: z.string(),
  segment: z.string().nullable(),
  /** Who approved it (empty for an auto-approved draft: `decidedBy` is "auto"). */
  approvedBy: z.array(z.string()),
  decidedBy: z.string().nullable(),
  source: z.string(),
  note: z.string().nullable(),
  at: z.string(),
});

/** Reason codes by day (the decision's receive day), workflow and segment. */
export const ErrorTypeRow = z.object({
  day: z.string(),
  workflow: z.string(),
  segment: z.string(),
  reason: z.string(),
  count: Count,
});

export const Accountability = z.object({
  since: z.string().nullable(),
  reviewers: z.array(AccountabilityReviewer),
  cells: z.array(AccountabilityCell),
  /** The latest negative outcomes (at most 100), newest first. */
  misses: z.array(AccountabilityMiss),
  errorTypes: z.array(ErrorTypeRow),
});
export type Accountability = z.infer<typeof Accountability>;
export type AccountabilityReviewer = z.infer<typeof AccountabilityReviewer>;
