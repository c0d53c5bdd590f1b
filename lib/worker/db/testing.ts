import type { Decision, Draft } from '../../shared/schema';

/** Builders for tests and the benchmark: a valid server draft and a decision on it. */
export function makeDraft(id: string, over: Partial<Record<string, unknown>> = {}): Draft {
  return {
    id,
    externalId: `ext-${id}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: `${id}@acme.test`, name: 'Ana Lima', company: 'Acme' },
    account: { name: 'Acme', domain: 'acme.test' },
    content: { subject: `Hello ${id}`, body: 'Hi Ana,\n\nA short note.' },
    confidence: 0.82,
    rationale: 'Matches the prospect history.',
    evidence: [{ label: 'CRM', snippet: 'Met at conference', source: 'hubspot' }],
    route: 'review',
    status: 'pending',
    assignee: null,
    queue: 'review',
    reasons: [],
    secondReview: false,
    createdAt: '2026-11-21T12:00:00.000Z',
    ...over,
  } as Draft;
}

export function makeDecision(draftId: string, over: Partial<Decision> = {}): Decision {
  return {
    id: crypto.randomUUID(),
    draftId,
    action: 'approve',
    decidedAt: new Date().toISOString(),
    ...over,
  };
}
