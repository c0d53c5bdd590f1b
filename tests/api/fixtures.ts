import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Decision, DraftIn, DraftResult } from '../../lib/shared/schema';
import type { TestApi } from '../helpers/server';

let seq = 0;

/** A valid email draft that passes the quality rules; override anything. */
export function draftIn(over: Record<string, unknown> = {}): DraftIn {
  seq++;
  return {
    externalId: `ext-${Date.now().toString(36)}-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: 'pat@acme.com', company: 'Acme' },
    account: { name: 'Acme' },
    content: { subject: 'A question for Acme', body: 'Hi Pat,\nA short note about Acme.\nBest,\nSam' },
    confidence: 0.85,
    rationale: 'Recent funding round',
    evidence: [{ label: 'News', snippet: 'Acme raised a Series B', url: 'https://example.com/acme', source: 'news' }],
    ...over,
  } as DraftIn;
}

export function decision(draftId: string, over: Partial<Decision> = {}): Decision {
  return { id: randomUUID(), draftId, action: 'approve', decidedAt: new Date().toISOString(), ...over };
}

export async function postDrafts(s: TestApi, token: string, drafts: DraftIn[]): Promise<DraftResult[]> {
  const r = await s.api('/v1/drafts', { token, body: { drafts } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: DraftResult[] }).results;
}

export async function postDecisions(s: TestApi, token: string, decisions: Decision[]) {
  const r = await s.api('/v1/decisions', { token, body: { decisions } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: Array<{ id: string; status: string; error?: string; decidedBy?: string }> })
    .results;
}

export async function json<T = Record<string, unknown>>(r: Response | Promise<Response>): Promise<T> {
  return (await (await r).json()) as T;
}
