import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditOut } from '../../lib/shared/schema';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Text goes to the database in batches (PostgreSQL: one jsonb parameter per table, store/fast.ts);
// quotes, backslashes, escape-like text, emoji and other scripts come back exactly as sent. A lone
// UTF-16 surrogate in a text column cannot be stored as UTF-8 and becomes U+FFFD, on both databases.

const AWKWARD = 'She said "hi" \\ then \\\\u0000 and \\ud800 as text, 😀 Zoë 日本 \'quote\' {"json": [1]}';

describe.each(TEST_DBS)('text round trip on %s', (db) => {
  let s: TestApi;
  let pipe: string;
  let ann: string;
  let admin: string;
  beforeAll(async () => {
    s = await startTestApp(db);
    pipe = await s.token('pipeline');
    ann = await s.token('reviewer', { user: 'ann' });
    admin = await s.token('admin');
  });
  afterAll(() => s?.close());

  it('drafts, edits, notes and the audit trail keep awkward text exactly', async () => {
    const [d] = await postDrafts(s, pipe, [
      draftIn({ content: { subject: `Acme ${AWKWARD}`, body: `Hi Pat,\n${AWKWARD}\nBest,\nSam` } }),
    ]);
    const edited = { subject: 'Acme again', body: `Hi Pat,\n${AWKWARD} (edited)\nBest,\nSam` };
    const [r] = await postDecisions(s, ann, [
      decision(d!.id, { action: 'edit', reasons: ['tone'], content: edited, note: AWKWARD }),
    ]);
    expect(r!.status).toBe('applied');
    const stored = await json<{ content: unknown; final: unknown; decisions: Array<{ note: string | null }> }>(
      s.api(`/v1/drafts/${d!.id}`, { token: admin }),
    );
    expect(stored.content).toEqual({ subject: `Acme ${AWKWARD}`, body: `Hi Pat,\n${AWKWARD}\nBest,\nSam` });
    expect(stored.final).toEqual(edited);
    expect(stored.decisions[0]!.note).toBe(AWKWARD);
    const audit = await json<AuditOut>(s.api(`/v1/audit?draftId=${d!.id}`, { token: admin }));
    const entry = audit.entries.find((e) => e.action === 'decision.edit')!;
    expect(entry.original).toEqual(stored.content);
    expect(entry.final).toEqual(edited);
    expect((entry.detail as { diff: string }).diff).toContain(`+ ${AWKWARD} (edited)`);
  });

  it('a lone surrogate in a text column is stored as U+FFFD (not a 500)', async () => {
    const [d] = await postDrafts(s, pipe, [draftIn()]);
    const [r] = await postDecisions(s, ann, [
      decision(d!.id, {
        action: 'edit',
        reasons: ['tone'],
        content: { subject: 'S', body: 'Hi \ud800 there\nBest,\nSam' },
        note: 'x\udc00y',
      }),
    ]);
    expect(r!.status).toBe('applied');
    const stored = await json<{ final: { body: string }; decisions: Array<{ note: string | null }> }>(
      s.api(`/v1/drafts/${d!.id}`, { token: admin }),
    );
    // Content is kept as JSON text, where the surrogate is an escape: it comes back as it was sent.
    expect(stored.final.body).toBe('Hi \ud800 there\nBest,\nSam');
    // (PostgreSQL: one U+FFFD; better-sqlite3 writes the surrogate's three bytes, read back as three.)
    expect(stored.decisions[0]!.note).toMatch(/^x\ufffd+y$/);
  });
});
