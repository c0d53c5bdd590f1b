import { describe, expect, it } from 'vitest';
import { checkEmailQuality } from '../../lib/shared/policy/quality';
import { DraftIn } from '../../lib/shared/schema';
import {
  COMPETITORS,
  DEMO_MIX,
  DEMO_USERS,
  generateDemoDrafts,
  generateDrafts,
  type QualityDefect,
} from '../../server/demo';
import { sandboxDrafts } from '../../server/demo/sandbox-drafts';

const NOW = '2026-11-21T12:00:00.000Z';

/** The email quality rules of issue 2, as plainly as they are stated there. */
function qualityProblems(d: DraftIn): QualityDefect[] {
  if (d.kind !== 'email') return [];
  const out: QualityDefect[] = [];
  const lines = d.content.body.split('\n').filter((l) => l.trim() !== '');
  if ((lines[0] ?? '').length > 120) out.push('long_first_line');
  if (!d.content.body.toLowerCase().includes(d.account.name.toLowerCase())) out.push('missing_company');
  if (/\{\{[^}]*\}\}|\[(company|first name|name)\]/i.test(d.content.body)) out.push('placeholder');
  if (d.content.subject.trim() === '') out.push('empty_subject');
  // Stops mid-sentence: on a comma or a word no sentence ends with.
  if (
    /([,;:(\-–—]|\.\.\.|…|\b(and|or|but|the|a|an|to|of|for|with|in|on|at|our|your|we|is|are)\b)\s*$/i.test(
      d.content.body.trim(),
    )
  )
    out.push('cut_off');
  return out;
}

describe('demo draft generator', () => {
  it('is deterministic for a seed and a base time', () => {
    const a = generateDrafts({ count: 120, seed: 7, now: NOW });
    const b = generateDrafts({ count: 120, seed: 7, now: NOW });
    const c = generateDrafts({ count: 120, seed: 8, now: NOW });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('produces drafts that all parse with DraftIn, with unique external ids', () => {
    const drafts = generateDrafts({ count: 1000, seed: 'parse', now: NOW });
    for (const d of drafts) {
      const r = DraftIn.safeParse(d);
      if (!r.success) throw new Error(`${d.externalId}: ${r.error.message}`);
    }
    expect(new Set(drafts.map((d) => d.externalId)).size).toBe(1000);
  });

  it('spreads drafts over workflows, kinds, zones, flags and named accounts as DEMO_MIX claims', () => {
    const items = generateDemoDrafts({ count: 1000, seed: 'mix', now: NOW });
    const share = (f: (g: (typeof items)[number]) => boolean) => items.filter(f).length / items.length;
    const deckShare = (deck: readonly (readonly [unknown, number])[], v: unknown) =>
      deck.filter(([k]) => k === v).reduce((s, [, n]) => s + n, 0) / deck.reduce((s, [, n]) => s + n, 0);
    // Decks are dealt exactly, so every full deck of 20 holds the proportions.
    for (const wf of ['outbound-email', 'crm-enrichment', 'inbound-reply']) {
      expect(share((g) => g.draft.workflow === wf)).toBeCloseTo(deckShare(DEMO_MIX.workflow, wf), 2);
    }
    for (const zone of ['manual', 'review', 'auto'] as const) {
      expect(share((g) => g.meta.zone === zone)).toBeCloseTo(deckShare(DEMO_MIX.zone, zone), 2);
    }
    expect(share((g) => g.draft.account.tier === 'named')).toBeCloseTo(0.25, 2);
    expect(share((g) => g.draft.flags?.includes('pricing') ?? false)).toBeCloseTo(0.1, 2);
    expect(share((g) => g.draft.flags?.includes('legal') ?? false)).toBeCloseTo(0.05, 2);
    expect(share((g) => g.draft.flags?.includes('competitor') ?? false)).toBeCloseTo(0.1, 2);
    for (const kind of ['email', 'crm_update', 'note'] as const) {
      expect(share((g) => g.draft.kind === kind)).toBeGreaterThan(0.05);
    }
    expect(share((g) => g.draft.inbound === true)).toBeCloseTo(0.2, 2);
    expect(share((g) => g.draft.trigger?.expiresAt !== undefined)).toBeGreaterThan(0.3);
  });

  it('keeps confidence inside the zone each draft is meant for', () => {
    for (const { draft, meta } of generateDemoDrafts({ count: 500, seed: 'zones', now: NOW })) {
      if (meta.zone === 'manual') expect(draft.confidence).toBeLessThan(0.7);
      if (meta.zone === 'review') expect(draft.confidence).toBeGreaterThanOrEqual(0.7);
      if (meta.zone === 'review') expect(draft.confidence).toBeLessThan(0.95);
      if (meta.zone === 'auto') expect(draft.confidence).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('writes email bodies that break exactly the quality rule they are meant to, about 20% of them', () => {
    const emails = generateDemoDrafts({ count: 1000, seed: 'quality', now: NOW }).filter(
      (g) => g.draft.kind === 'email',
    );
    for (const { draft, meta } of emails) {
      expect({ id: draft.externalId, problems: qualityProblems(draft) }).toEqual({
        id: draft.externalId,
        problems: meta.defect ? [meta.defect] : [],
      });
    }
    const failing = emails.filter((g) => g.meta.defect).length / emails.length;
    expect(failing).toBeGreaterThan(0.15);
    expect(failing).toBeLessThan(0.25);
  });

  it("fails exactly the server's quality rule each defect is meant to break (lib/shared/policy/quality)", () => {
    const rule: Record<QualityDefect, string> = {
      long_first_line: 'first_line_length',
      missing_company: 'company_missing',
      placeholder: 'placeholder',
      empty_subject: 'subject_empty',
      cut_off: 'body_cut_off',
    };
    for (const { draft, meta } of generateDemoDrafts({ count: 1000, seed: 'server-rules', now: NOW })) {
      if (draft.kind !== 'email') continue;
      const got = checkEmailQuality(draft.content, draft.account.name).map((f) => f.rule);
      expect({ id: draft.externalId, got }).toEqual({
        id: draft.externalId,
        got: meta.defect ? [rule[meta.defect]] : [],
      });
    }
  });

  it('gives every draft evidence with labels, snippets and https sources', () => {
    const items = generateDemoDrafts({ count: 400, seed: 'evidence', now: NOW });
    for (const { draft, meta } of items) {
      expect(draft.evidence.length, meta.zone).toBeGreaterThan(0);
      for (const e of draft.evidence) {
        expect(e.label.length).toBeGreaterThan(0);
        expect(e.snippet.length).toBeGreaterThan(0);
        if (e.url) expect(e.url).toMatch(/^https:\/\//);
      }
      expect(draft.model?.name).toBeTruthy();
      expect(draft.model?.prompt).toBeTruthy();
    }
  });

  it('assigns named accounts to the demo owner with a deal value, and mentions competitors the demo lists', () => {
    const items = generateDrafts({ count: 400, seed: 'named', now: NOW });
    const owner = DEMO_USERS.find((u) => u.role === 'owner')!;
    for (const d of items.filter((x) => x.account.tier === 'named')) {
      expect(d.account.ownerId).toBe(owner.id);
      expect(d.account.dealValue).toBeGreaterThan(0);
    }
    const competitorEmails = items.filter((d) => d.kind === 'email' && d.flags?.includes('competitor'));
    expect(competitorEmails.length).toBeGreaterThan(0);
    for (const d of competitorEmails) {
      if (d.kind !== 'email') continue;
      expect(COMPETITORS.some((c) => d.content.body.includes(c))).toBe(true);
    }
  });

  it('a 60-draft demo set already contains every zone, flag, kind, workflow and a soon-expiring trigger', () => {
    const items = generateDemoDrafts({ count: 60, seed: 'countersign-demo', now: NOW });
    const has = (f: (g: (typeof items)[number]) => boolean) => items.some(f);
    for (const z of ['manual', 'review', 'auto']) expect(has((g) => g.meta.zone === z)).toBe(true);
    for (const f of ['pricing', 'legal', 'competitor'])
      expect(has((g) => g.draft.flags?.includes(f) ?? false)).toBe(true);
    for (const k of ['email', 'crm_update', 'note']) expect(has((g) => g.draft.kind === k)).toBe(true);
    expect(has((g) => g.meta.defect !== undefined)).toBe(true);
    const soon = Date.parse(NOW) + 48 * 3_600_000;
    expect(has((g) => g.draft.trigger?.expiresAt !== undefined && Date.parse(g.draft.trigger.expiresAt) < soon)).toBe(
      true,
    );
  });

  it('restricts to one workflow when asked, including unknown workflow names', () => {
    const items = generateDrafts({ count: 50, seed: 1, now: NOW, workflow: 'partner-outreach' });
    expect(items.every((d) => d.workflow === 'partner-outreach' && d.kind === 'email')).toBe(true);
    const crm = generateDrafts({ count: 50, seed: 1, now: NOW, workflow: 'crm-enrichment' });
    expect(crm.every((d) => d.kind !== 'email')).toBe(true);
  });

  it('has valid drafts for the sandbox pages, whose emails pass the quality rules', () => {
    const drafts = sandboxDrafts(new Date(NOW));
    expect(new Set(drafts.map((d) => d.externalId)).size).toBe(drafts.length);
    for (const d of drafts) {
      expect(DraftIn.safeParse(d).success, d.externalId).toBe(true);
      expect(d.externalId).toMatch(/^demo-sandbox-/);
      expect(d.evidence.length).toBeGreaterThan(0);
      if (d.kind === 'email') expect(checkEmailQuality(d.content, d.account.name), d.externalId).toEqual([]);
    }
    for (const site of ['gmail', 'outlook', 'hubspot', 'salesforce']) {
      expect(drafts.some((d) => d.target.site === site && d.target.email === 'ana@acme.example')).toBe(true);
    }
  });
});
