import { describe, expect, it } from 'vitest';
import * as schema from '../../lib/shared/schema';
import { DraftIn } from '../../lib/shared/schema';
import * as governance from '../../lib/shared/schema/governance';

const base = {
  externalId: 'x-1',
  workflow: 'outbound-email',
  target: { site: 'gmail', email: 'ana@acme.com' },
  account: { name: 'Acme' },
  confidence: 0.9,
  rationale: 'because',
  evidence: [],
};

describe('DraftIn', () => {
  it('accepts each kind with its own content shape', () => {
    expect(DraftIn.safeParse({ ...base, kind: 'email', content: { subject: 's', body: 'b' } }).success).toBe(true);
    expect(DraftIn.safeParse({ ...base, kind: 'note', content: { text: 't' } }).success).toBe(true);
    expect(
      DraftIn.safeParse({ ...base, kind: 'crm_update', content: { fields: [{ name: 'title', value: 'CTO' }] } })
        .success,
    ).toBe(true);
  });

  it('rejects content that does not match the kind, and unknown top-level fields', () => {
    expect(DraftIn.safeParse({ ...base, kind: 'email', content: { text: 't' } }).success).toBe(false);
    expect(DraftIn.safeParse({ ...base, kind: 'note', content: { text: 't' }, confidance: 0.5 }).success).toBe(false);
  });

  it('rejects non-http evidence links', () => {
    const r = DraftIn.safeParse({
      ...base,
      kind: 'note',
      content: { text: 't' },
      evidence: [{ label: 'x', snippet: 'y', url: 'javascript:alert(1)' }],
    });
    expect(r.success).toBe(false);
  });
});

describe('lib/shared/schema index', () => {
  it('re-exports every governance schema unchanged (no name is shadowed by another module)', () => {
    const all = schema as Record<string, unknown>;
    const exported = Object.entries(governance);
    expect(exported.length).toBeGreaterThan(10);
    for (const [name, value] of exported) expect(all[name], name).toBe(value);
  });
});
