import type { Content, Decision, Draft, EscalateTo } from '../../shared/schema';

export type DecisionInput =
  | { action: 'approve' }
  | { action: 'edit'; content: Content; reasons: string[]; note?: string }
  | { action: 'reject'; reasons: string[]; note?: string }
  | { action: 'escalate'; escalateTo: EscalateTo; note?: string };

/** Why a decision cannot be made yet, or null when it can (issue 4: edit and reject need a reason). */
export function missingReason(input: DecisionInput): string | null {
  if ((input.action === 'edit' || input.action === 'reject') && input.reasons.length === 0) {
    return 'Choose at least one reason.';
  }
  if (input.action === 'escalate' && input.escalateTo.kind === 'specialist' && !input.escalateTo.specialty) {
    return 'Choose a specialty.';
  }
  return null;
}

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

/** The draft's main text: email body, note text, or the CRM fields one per line (for Copy). */
export function mainText(kind: Draft['kind'], content: Content): string {
  if (kind === 'email' && 'body' in content) return content.body;
  if (kind === 'note' && 'text' in content) return content.text;
  if ('fields' in content) return content.fields.map((f) => `${f.label ?? f.name}: ${f.value}`).join('\n');
  return '';
}

/** Text for the clipboard: subject line first for emails. */
export function copyText(draft: Draft, content: Content = draft.content): string {
  if (draft.kind === 'email' && 'subject' in content) return `Subject: ${content.subject}\n\n${content.body}`;
  return mainText(draft.kind, content);
}
