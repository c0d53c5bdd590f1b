import type { Content, Draft } from '../../shared/schema';

// The decision a person makes, as the panel and the dashboard's draft view both build it.
export { type DecisionInput, makeDecision } from '../../shared/decision';

import type { DecisionInput } from '../../shared/decision';

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
