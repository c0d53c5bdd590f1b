import { Draft } from '../../lib/shared/schema';

/**
 * A draft as the server returns it, with neutral defaults (no target, account Acme) and overrides,
 * parsed with the contract's schema so a test can never hand the code under test an invalid draft.
 */
export function neutralDraft(over: Record<string, unknown> = {}): Draft {
  return Draft.parse({
    id: `d-${Math.random().toString(36).slice(2)}`,
    externalId: `ext-${Math.random().toString(36).slice(2)}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: {},
    account: { name: 'Acme' },
    content: { subject: 'Hello', body: 'Hi' },
    confidence: 0.9,
    rationale: 'test',
    evidence: [],
    route: 'review',
    status: 'pending',
    assignee: null,
    queue: 'review',
    reasons: [],
    secondReview: false,
    createdAt: '2026-11-21T12:00:00Z',
    ...over,
  });
}
