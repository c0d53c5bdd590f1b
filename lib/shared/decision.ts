import type { Content, Decision, Draft, EscalateTo } from './schema';

/** What a person decided on a draft, before it becomes a contract Decision (panel and dashboard). */
export type DecisionInput =
  | { action: 'approve' }
  | { action: 'edit'; content: Content; reasons: string[]; note?: string }
  | { action: 'reject'; reasons: string[]; note?: string }
  | { action: 'escalate'; escalateTo: EscalateTo; note?: string };

/**
 * The Decision as the contract defines it: a client-made uuid (the idempotency key), the time the
 * person decided, and the dwell time measured by the panel.
 */
export function makeDecision(
  draft: Draft,
  input: DecisionInput,
  dwellMs: number,
  now: Date = new Date(),
  id: string = crypto.randomUUID(),
): Decision {
  const d: Decision = {
    id,
    draftId: draft.id,
    action: input.action,
    decidedAt: now.toISOString(),
    dwellMs: Math.max(0, Math.min(86_400_000, Math.round(dwellMs))),
  };
  if (input.action === 'edit') {
    d.content = input.content;
    d.reasons = input.reasons;
  } else if (input.action === 'reject') {
    d.reasons = input.reasons;
  } else if (input.action === 'escalate') {
    d.escalateTo = input.escalateTo;
  }
  const note = 'note' in input ? input.note?.trim() : undefined;
  if (note) d.note = note;
  return d;
}
