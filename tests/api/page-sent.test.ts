import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// Issue 18: what was really sent. Page reports arrive through the extension's outbox; an `end` of
// `sent`/`saved` becomes the draft's `sent` (contract v1.1), and governance treats a draft edited in
// the page as edited.

describe.each(TEST_DBS)('what was really sent, on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let pipeline: string;
  let reviewer: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestApp(db);
    admin = await server.token('admin');
    pipeline = await server.token('pipeline');
    reviewer = await server.token('reviewer');
    other = await server.token('reviewer');
  });
  afterAll(async () => {
    await server?.close();
  });

  const report = (token: string, reports: unknown[]) =>
    json<{ results: Array<{ id: string; status: string; error?: string }> }>(
      server.api('/v1/page-reports', { token, body: { reports } }),
    );

  async function approved(workflow: string, over: Record<string, unknown> = {}) {
    const [r] = await postDrafts(server, pipeline, [draftIn({ workflow, ...over })]);
    const d = decision(r!.id);
    return { draftId: r!.id, decision: d };
  }

  it('waits for the approval, stores `sent` once with editedInPage and a jsdiff patch, shows it on the draft', async () => {
    const wf = `sent-${randomUUID().slice(0, 8)}`;
    const { draftId, decision: d } = await approved(wf);
    const end = {
      kind: 'end',
      id: randomUUID(),
      draftId,
      decisionId: d.id,
      end: 'sent',
      content: {
        subject: 'A question for Acme',
        body: 'Hi Pat,\nA short note about Acme, typed in Gmail.\nBest,\nSam',
      },
      at: new Date().toISOString(),
    };
    // The approval is still in its undo window in the browser: the server says "waiting".
    expect((await report(reviewer, [end])).results[0]!.status).toBe('waiting');
    expect((await postDecisions(server, reviewer, [d]))[0]!.status).toBe('applied');
    // Someone else cannot report on this person's approval.
    expect((await report(other, [end])).results[0]!.status).toBe('rejected');
    expect((await report(reviewer, [end])).results[0]!.status).toBe('applied');
    expect((await report(reviewer, [end])).results[0]!.status).toBe('duplicate');
    // A second end (another report id) does not replace the first.
    const later = { ...end, id: randomUUID(), content: { subject: 'x', body: 'y' } };
    expect((await report(reviewer, [later])).results[0]!.status).toBe('applied');

    const draft = await json<{ sent?: { content: { body: string }; editedInPage: boolean; diff?: string } }>(
      server.api(`/v1/drafts/${draftId}`, { token: pipeline }),
    );
    expect(draft.sent?.editedInPage).toBe(true);
    expect(draft.sent?.content.body).toBe('Hi Pat,\nA short note about Acme, typed in Gmail.\nBest,\nSam');
    expect(draft.sent?.diff).toContain('-A short note about Acme.');
    expect(draft.sent?.diff).toContain('+A short note about Acme, typed in Gmail.');
    // The pipeline's change feed carries it too.
    const page = await json<{ drafts: Array<{ id: string; sent?: unknown }> }>(
      server.api(`/v1/drafts?workflow=${wf}`, { token: pipeline }),
    );
    expect(page.drafts.find((x) => x.id === draftId)?.sent).toBeTruthy();
  });

  it('an unchanged send is not an edit (whitespace as editors render it aside)', async () => {
    const wf = `same-${randomUUID().slice(0, 8)}`;
    const { draftId, decision: d } = await approved(wf);
    await postDecisions(server, reviewer, [d]);
    const content = { subject: 'A question for Acme', body: 'Hi Pat,\n\nA short note about Acme.\u00a0\nBest,\nSam\n' };
    const r = await report(reviewer, [
      { kind: 'end', id: randomUUID(), draftId, decisionId: d.id, end: 'sent', content, at: new Date().toISOString() },
    ]);
    expect(r.results[0]!.status).toBe('applied');
    const draft = await json<{ sent?: { editedInPage: boolean; diff?: string } }>(
      server.api(`/v1/drafts/${draftId}`, { token: pipeline }),
    );
    expect(draft.sent?.editedInPage).toBe(false);
    expect(draft.sent?.diff).toBeUndefined();
  });

  it('metrics, calibration and the feedback export count an in-page edit as edited', async () => {
    const wf = `gov-${randomUUID().slice(0, 8)}`;
    const a = await approved(wf);
    const b = await approved(wf);
    await postDecisions(server, reviewer, [a.decision, b.decision]);
    // a: sent with changes; b: the page already held a changed version when approved.
    await report(reviewer, [
      {
        kind: 'end',
        id: randomUUID(),
        draftId: a.draftId,
        decisionId: a.decision.id,
        end: 'sent',
        content: { subject: 'A question for Acme', body: 'Completely rewritten by hand.' },
        at: new Date().toISOString(),
      },
      {
        kind: 'placement',
        id: randomUUID(),
        draftId: b.draftId,
        decisionId: b.decision.id,
        reached: true,
        pageContent: { subject: 'A question for Acme', body: 'Hi Pat, changed before approving.' },
        at: new Date().toISOString(),
      },
    ]);
    const lines = (await (await server.api(`/v1/export/feedback.jsonl?workflow=${wf}`, { token: admin })).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { draftId: string; label: string; editedInPage?: boolean; final: { body: string } });
    const la = lines.find((l) => l.draftId === a.draftId)!;
    const lb = lines.find((l) => l.draftId === b.draftId)!;
    expect(la.label).toBe('corrected');
    expect(la.editedInPage).toBe(true);
    expect(la.final.body).toBe('Completely rewritten by hand.');
    expect(lb.label).toBe('corrected');
    expect(lb.final.body).toBe('Hi Pat, changed before approving.');
    const cal = await json<{ n: number; bins: Array<{ count: number; accuracy: number | null }> }>(
      server.api(`/v1/workflows/${wf}/calibration`, { token: admin }),
    );
    expect(cal.n).toBe(2);
    const bin = cal.bins.find((x) => x.count > 0)!;
    expect(bin.accuracy).toBe(0);
  });

  it('placements feed "approvals that never reached the page"; site health adds up per day', async () => {
    const wf = `reach-${randomUUID().slice(0, 8)}`;
    const a = await approved(wf);
    const b = await approved(wf);
    const c = await approved(wf);
    await postDecisions(server, reviewer, [a.decision, b.decision, c.decision]);
    const at = new Date().toISOString();
    await report(reviewer, [
      { kind: 'placement', id: randomUUID(), draftId: a.draftId, decisionId: a.decision.id, reached: true, at },
      {
        kind: 'placement',
        id: randomUUID(),
        draftId: b.draftId,
        decisionId: b.decision.id,
        reached: false,
        reason: 'no_target',
        at,
      },
    ]);
    const day = at.slice(0, 10);
    const count = {
      site: 'outlook',
      selectorVersion: '2026-11',
      part: 'compose',
      day,
      count: 30,
      firstAt: at,
      lastAt: at,
    };
    for (const n of [30, 7]) {
      const r = await server.api('/v1/site-health', { token: reviewer, body: { counts: [{ ...count, count: n }] } });
      expect(r.status).toBe(200);
    }
    expect((await server.api('/v1/page-health', { token: reviewer })).status).toBe(403);
    const h = await json<{
      sites: Array<{ site: string; count: number; message: string }>;
      approvals: { total: number; reached: number; notReached: number; unknown: number };
    }>(server.api(`/v1/page-health?workflow=${wf}`, { token: admin }));
    expect(h.approvals).toMatchObject({ total: 3, reached: 1, notReached: 1, unknown: 1 });
    const outlook = h.sites.find((s) => s.site === 'outlook')!;
    expect(outlook.count).toBe(37);
    expect(outlook.message).toMatch(/^Outlook: compose not recognised 37 times today \(since \d\d:\d\d\)$/);
    // No content goes in: unknown fields are refused.
    const bad = await server.api('/v1/site-health', {
      token: reviewer,
      body: { counts: [{ ...count, url: 'https://outlook.office.com/mail/inbox/id/123' }] },
    });
    expect(bad.status).toBe(400);
  });
});
