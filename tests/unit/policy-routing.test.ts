import { describe, expect, it } from 'vitest';
import { detectSpecialties } from '../../lib/shared/policy/detect';
import { diffContent, diffLines } from '../../lib/shared/policy/diff';
import { compareQueueItems, type PriorityItem, priorityReason, sortQueue } from '../../lib/shared/policy/priority';
import { checkEmailQuality } from '../../lib/shared/policy/quality';
import { type RoutingPolicy, routeDraft } from '../../lib/shared/policy/routing';
import { DEFAULT_POLICY, type DraftIn, type Level } from '../../lib/shared/schema';

const base: RoutingPolicy = { ...DEFAULT_POLICY };
const never = () => 0.99;
const always = () => 0;

function email(over: Partial<DraftIn> & Record<string, unknown> = {}): DraftIn {
  return {
    externalId: 'x1',
    workflow: 'outbound-email',
    kind: 'email',
    target: { email: 'pat@acme.com' },
    account: { name: 'Acme' },
    content: { subject: 'Quick question for Acme', body: 'Hi Pat,\nA short note about Acme.\nBest,\nSam' },
    confidence: 0.99,
    rationale: 'r',
    evidence: [],
    ...over,
  } as DraftIn;
}

describe('routeDraft: levels × zones', () => {
  const cases: Array<[Level, number, string, string, string]> = [
    // level, confidence, route, status, queue
    ['review_all', 0.99, 'review', 'pending', 'review'],
    ['review_all', 0.8, 'review', 'pending', 'review'],
    ['review_all', 0.5, 'manual', 'pending', 'manual'],
    ['review_exceptions', 0.99, 'auto', 'auto_approved', 'auto'],
    ['review_exceptions', 0.98, 'auto', 'auto_approved', 'auto'],
    ['review_exceptions', 0.97, 'review', 'pending', 'review'],
    ['review_exceptions', 0.7, 'review', 'pending', 'review'],
    ['review_exceptions', 0.69, 'manual', 'pending', 'manual'],
    ['audit', 0.99, 'auto', 'auto_approved', 'auto'],
    ['audit', 0.8, 'auto', 'auto_approved', 'audit'],
    ['audit', 0.5, 'manual', 'pending', 'manual'],
    ['autonomous', 0.99, 'auto', 'auto_approved', 'auto'],
    ['autonomous', 0.8, 'auto', 'auto_approved', 'auto'],
    ['autonomous', 0.5, 'manual', 'pending', 'manual'],
  ];
  it.each(cases)('%s at %s → %s/%s/%s', (level, confidence, route, status, queue) => {
    const r = routeDraft(email({ confidence }), { ...base, level }, { random: never });
    expect([r.route, r.status, r.queue]).toEqual([route, status, queue]);
    expect(r.reasons.length).toBeGreaterThan(0);
  });

  it('gives the confidence reason in words', () => {
    const r = routeDraft(email({ confidence: 0.82 }), { ...base, autoThreshold: 0.95 }, { random: never });
    expect(r.reasons).toContain('confidence 0.82 is below 0.95');
  });
});

describe('routeDraft: escalations beat confidence', () => {
  const auto: RoutingPolicy = { ...base, level: 'autonomous' };
  const cases: Array<[string, Partial<DraftIn> & Record<string, unknown>, string, string | null, string]> = [
    [
      'named → owner',
      { account: { name: 'Acme', tier: 'named', ownerId: 'olly' } },
      'owner',
      'olly',
      'named account: owner review',
    ],
    [
      'named without owner → review',
      { account: { name: 'Acme', tier: 'named' } },
      'review',
      null,
      'named account without an owner: a reviewer decides',
    ],
    ['pricing flag', { flags: ['pricing'] }, 'specialist:pricing', null, 'flagged "pricing" by the pipeline'],
    ['legal flag', { flags: ['legal'] }, 'specialist:legal', null, 'flagged "legal" by the pipeline'],
    [
      'competitor flag',
      { flags: ['competitor'] },
      'specialist:competitor',
      null,
      'flagged "competitor" by the pipeline',
    ],
    [
      'discount in body',
      { content: { subject: 'Acme offer', body: 'Acme gets 20% off this month. Best, Sam' } },
      'specialist:pricing',
      null,
      'mentions a discount',
    ],
    [
      'price in body',
      { content: { subject: 'Acme', body: 'It is $49 per seat for Acme. Thanks.' } },
      'specialist:pricing',
      null,
      'mentions a price',
    ],
    [
      'contract terms',
      { content: { subject: 'Acme', body: 'The MSA for Acme limits liability. Thanks.' } },
      'specialist:legal',
      null,
      'mentions contract or legal terms',
    ],
    ['legal beats pricing', { flags: ['pricing', 'legal'] }, 'specialist:legal', null, 'legal specialist review'],
    [
      'specialist beats owner',
      { flags: ['pricing'], account: { name: 'Acme', tier: 'named', ownerId: 'olly' } },
      'specialist:pricing',
      null,
      'named account: owner review',
    ],
    ['inbound → review', { inbound: true }, 'review', null, 'inbound: answers the prospect, so a person reviews it'],
  ];
  it.each(cases)('%s', (_name, over, queue, assignee, reason) => {
    const r = routeDraft(email({ confidence: 0.999, ...over }), auto, { random: never });
    expect(r.route).toBe('review');
    expect(r.status).toBe('pending');
    expect(r.queue).toBe(queue);
    expect(r.assignee).toBe(assignee);
    expect(r.reasons).toContain(reason);
  });

  it('detects competitors from the policy list, as whole words', () => {
    const r = routeDraft(
      email({ content: { subject: 'Acme', body: 'Unlike Globex, Acme can start today. Best, Sam' } }),
      { ...auto, competitors: ['Globex', 'Initech'] },
      { random: never },
    );
    expect(r.queue).toBe('specialist:competitor');
    expect(r.reasons).toContain('mentions competitor Globex');
    expect(detectSpecialties({ content: { text: 'globexia is fine' } }, ['Globex'])).toEqual([]);
  });

  it('keeps a low-confidence escalated draft manual, in the escalation queue', () => {
    const r = routeDraft(email({ confidence: 0.3, flags: ['legal'] }), auto, { random: never });
    expect([r.route, r.queue]).toEqual(['manual', 'specialist:legal']);
  });
});

describe('routeDraft: repeated failures, two-person rule, quality, sampling', () => {
  const auto: RoutingPolicy = { ...base, level: 'autonomous' };
  it.each([
    [[0.5, 0.6], 'admin', true],
    [[0.5], 'manual', false],
    [[0.9, 0.9, 0.9, 0.5], 'manual', false],
    [[0.5, 0.9, 0.6, 0.9], 'admin', true],
  ])('segment history %j → %s', (history, queue, flagged) => {
    const r = routeDraft(email({ confidence: 0.4, segment: 'fintech' }), auto, {
      segmentHistory: history,
      random: never,
    });
    expect(r.queue).toBe(queue);
    expect(r.reasons.some((x) => x.startsWith('repeated failures'))).toBe(flagged);
  });

  it('ignores history without a segment', () => {
    const r = routeDraft(email({ confidence: 0.4 }), auto, { segmentHistory: [0.1, 0.1, 0.1], random: never });
    expect(r.queue).toBe('manual');
  });

  it.each([
    [{ name: 'Acme', tier: 'named', ownerId: 'olly', dealValue: 250_000 }, true],
    [{ name: 'Acme', tier: 'named', ownerId: 'olly', dealValue: 100_000 }, false],
    [{ name: 'Acme', tier: 'standard', dealValue: 900_000 }, false],
    [{ name: 'Acme', tier: 'named', ownerId: 'olly' }, false],
  ] as const)('two-person rule for %j → %s', (account, second) => {
    const r = routeDraft(email({ account: { ...account } }), auto, { random: never });
    expect(r.secondReview).toBe(second);
    if (second)
      expect(r.reasons).toContain('named account with deal value 250,000 above 100,000: two approvals needed');
  });

  it.each([
    [
      'first line too long',
      { subject: 'Acme', body: `${'x'.repeat(121)}\nBest, Sam` },
      'first line is 121 characters (limit 120)',
    ],
    [
      'company missing',
      { subject: 'Hello', body: 'Hi Pat, a short note. Best, Sam' },
      'the company name "Acme" does not appear',
    ],
    [
      'placeholder',
      { subject: 'Acme', body: 'Hi {{first_name}}, about Acme. Best' },
      'unfilled placeholder {{first_name}}',
    ],
    [
      'bracket placeholder',
      { subject: 'Acme', body: 'Hi Pat, about [Company]. Acme. Best' },
      'unfilled placeholder [Company]',
    ],
    ['empty subject', { subject: ' ', body: 'Hi Pat, about Acme. Best' }, 'subject is empty'],
    ['cut off', { subject: 'Acme', body: 'Hi Pat, Acme could save time and' }, 'body looks cut off'],
    ['cut off with comma', { subject: 'Acme', body: 'Hi Pat, Acme could save time,' }, 'body looks cut off'],
  ])('quality rule: %s turns auto into review', (_n, content, reason) => {
    const r = routeDraft(email({ content }), auto, { random: never });
    expect(r.route).toBe('review');
    expect(r.reasons).toContain(`quality: ${reason}`);
    expect(r.reasons).toContain('quality checks failed: a person reviews it');
  });

  it('passes a clean email', () => {
    expect(checkEmailQuality({ subject: 'Acme', body: 'Hi Pat,\nAbout Acme.\nBest,\nSam' }, 'Acme')).toEqual([]);
  });

  it('does not run email rules on other kinds', () => {
    const r = routeDraft({ ...email(), kind: 'note', content: { text: '{{x}}' } } as DraftIn, auto, { random: never });
    expect(r.route).toBe('auto');
  });

  it('samples auto-approved drafts for audit with the injected random source', () => {
    const p = { ...auto, auditSampleRate: 0.05 };
    const sampled = routeDraft(email(), p, { random: () => 0.01 });
    expect([sampled.route, sampled.queue, sampled.audit]).toEqual(['auto', 'audit', true]);
    expect(sampled.reasons).toContain('sampled for audit (5% of auto-approved drafts)');
    const not = routeDraft(email(), p, { random: () => 0.5 });
    expect([not.queue, not.audit]).toEqual(['auto', false]);
    let calls = 0;
    routeDraft(
      email({ confidence: 0.8 }),
      { ...base },
      {
        random: () => {
          calls++;
          return 0;
        },
      },
    );
    expect(calls).toBe(0);
    expect(routeDraft(email(), { ...p, auditSampleRate: 1 }, { random: always }).queue).toBe('audit');
  });
});

describe('queue priority', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const item = (id: string, o: Partial<PriorityItem> = {}): PriorityItem => ({
    id,
    confidence: 0.8,
    dealValue: null,
    expiresAt: null,
    named: false,
    createdAt: '2025-12-31T00:00:00Z',
    ...o,
  });
  it('orders time-sensitive, then deal value, named, confidence, age, id', () => {
    const items = [
      item('h', { createdAt: '2025-12-31T01:00:00Z' }),
      item('g'),
      item('f', { confidence: 0.6 }),
      item('e', { named: true }),
      item('d', { dealValue: 1000 }),
      item('c', { dealValue: 50_000 }),
      item('b', { expiresAt: '2026-01-01T05:00:00Z' }),
      item('a', { expiresAt: '2026-01-01T01:00:00Z', dealValue: 1 }),
      item('z', { expiresAt: '2026-02-01T00:00:00Z' }),
    ];
    expect(sortQueue(items, now).map((i) => i.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'z', 'h']);
    expect(compareQueueItems(item('x'), item('x'), now)).toBe(0);
  });
  it('explains the position', () => {
    expect(
      priorityReason(
        item('a', { expiresAt: '2026-01-01T03:00:00Z', dealValue: 250_000, named: true, confidence: 0.62 }),
        now,
      ),
    ).toBe('expires in 3 h · deal value 250,000 · named account · confidence 0.62');
  });
});

describe('diff', () => {
  it('diffs lines and words', () => {
    expect(diffLines(['a', 'b', 'c'], ['a', 'x', 'c'])).toBe('  a\n- b\n+ x\n  c');
    expect(diffLines(['one two three'], ['one 2 three'])).toBe('one [-two-]{+2+} three');
    expect(diffContent({ text: 'same' }, { text: 'same' })).toBeNull();
    expect(diffContent({ subject: 'Hi', body: 'a\nb' }, { subject: 'Hello', body: 'a\nb' })).toBe(
      '- Subject: Hi\n+ Subject: Hello\n  \n  a\n  b',
    );
  });
});
