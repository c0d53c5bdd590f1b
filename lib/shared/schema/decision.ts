import { z } from 'zod';
import { IsoDateTime, LIMITS } from './common';
import { Content, Draft } from './draft';
import { UserId } from './user';

export const DecisionAction = z.enum(['approve', 'edit', 'reject', 'escalate']);
export type DecisionAction = z.infer<typeof DecisionAction>;

/** Reason codes offered by the panel. Free-form codes are accepted too (max 50 chars). */
export const REASON_CODES = {
  wrong_facts: 'Wrong or outdated facts',
  wrong_person: 'Wrong recipient or contact',
  wrong_company: 'Wrong company',
  tone: 'Tone or style',
  too_long: 'Too long',
  personalisation: 'Not personal enough',
  pricing: 'Pricing or discount problem',
  legal: 'Legal or compliance risk',
  competitor: 'Competitor mention',
  bad_timing: 'Bad timing',
  duplicate: 'Duplicate or already contacted',
  other: 'Other',
} as const;

export const ReasonCode = z.string().min(1).max(50);

export const EscalateTo = z.object({
  /** `owner` = the account owner; `specialist` = a specialist of `specialty`; `admin`. */
  kind: z.enum(['owner', 'specialist', 'admin']),
  specialty: z.enum(['pricing', 'legal', 'competitor']).optional(),
});
export type EscalateTo = z.infer<typeof EscalateTo>;

export const Decision = z.strictObject({
  id: z.uuid(),
  draftId: z.string().min(1).max(LIMITS.id),
  action: DecisionAction,
  content: Content.optional(),
  reasons: z.array(ReasonCode).max(LIMITS.reasons).optional(),
  note: z.string().max(LIMITS.text).optional(),
  dwellMs: z.number().int().min(0).max(86_400_000).optional(),
  decidedAt: IsoDateTime,
  /** Added: where an escalation goes (default: the owner when there is one, else admin). */
  escalateTo: EscalateTo.optional(),
});
export type Decision = z.infer<typeof Decision>;

export const DecisionsIn = z.strictObject({ decisions: z.array(Decision).min(1).max(LIMITS.decisionsPerPost) });
export type DecisionsIn = z.infer<typeof DecisionsIn>;

export const DecisionStatus = z.enum(['applied', 'duplicate', 'conflict', 'rejected']);
export type DecisionStatus = z.infer<typeof DecisionStatus>;

export const DecisionResult = z.object({
  id: z.string(),
  status: DecisionStatus,
  error: z.string().optional(),
  /** Added: for `conflict`, who settled the draft and how. */
  decidedBy: UserId.nullable().optional(),
  draftStatus: z.string().optional(),
});
export type DecisionResult = z.infer<typeof DecisionResult>;

export const DecisionsOut = z.object({ results: z.array(DecisionResult) });
export type DecisionsOut = z.infer<typeof DecisionsOut>;

/** A stored decision, as returned with a draft and in the feedback export. */
export const DecisionRecord = z.object({
  id: z.string(),
  draftId: z.string(),
  userId: UserId,
  action: DecisionAction,
  status: DecisionStatus,
  content: Content.nullable(),
  reasons: z.array(z.string()),
  note: z.string().nullable(),
  dwellMs: z.number().int().nullable(),
  decidedAt: IsoDateTime,
  receivedAt: IsoDateTime,
  diff: z.string().nullable(),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

/** A draft with its decisions, oldest first (`GET /v1/drafts/{id}`). */
export const DraftWithDecisions = z.intersection(Draft, z.object({ decisions: z.array(DecisionRecord) }));
export type DraftWithDecisions = z.infer<typeof DraftWithDecisions>;
