/**
 * One page-match scorer (lib/shared/match.ts) for the worker and the panel: a table of drafts
 * against one page, run through the worker's real getDrafts (Dexie on fake-indexeddb) and the
 * panel's ranking, which must agree with the table and with each other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rankDrafts } from '../../lib/page/panel/ranking';
import { contextScore, draftEmails, type MatchTier, pageMatch, sameRecordId } from '../../lib/shared/match';
import type { Draft } from '../../lib/shared/schema';
import type { PageContext, SyncStatus } from '../../lib/shared/schema/protocol';
import { applyPull, CountersignDb, useAccount } from '../../lib/worker/db';
import { makeDraft } from '../../lib/worker/db/testing';
import type { SyncEngine } from '../../lib/worker/engine';
import { createHandlers } from '../../lib/worker/handlers';
import { accountKey, type Settings } from '../../lib/worker/settings';

/** A Salesforce contact page: 18-character record id, one address, name and company on screen. */
const ctx: PageContext = {
  site: 'salesforce',
  emails: ['ana@acme.example'],
  names: ['Ana Lopez'],
  recordId: '003Hs00004AnaLoAAA',
  recordType: 'Contact',
  company: 'Acme',
  editable: true,
};

const nobody = { name: 'Nobody Inc' };
const email = (to: string) => ({ subject: 's', body: 'b', to });

/** id → what the draft targets, and the tier the one scorer gives it on `ctx`. */
const TABLE: Array<{ id: string; over: Record<string, unknown>; tier: MatchTier }> = [
  {
    id: 'sf-15',
    over: { target: { site: 'salesforce', recordId: '003Hs00004AnaLo' }, account: nobody },
    tier: 'exact',
  },
  {
    id: 'sf-18-lower',
    // 15-character ids are case-sensitive: this is another record.
    over: { target: { site: 'salesforce', recordId: '003Hs00004anaLoAAA' }, account: nobody },
    tier: 'none',
  },
  {
    id: 'other-site',
    // Same record id and address, but for HubSpot: never on a Salesforce page.
    over: { target: { site: 'hubspot', recordId: '003Hs00004AnaLoAAA', email: 'ana@acme.example' }, account: nobody },
    tier: 'none',
  },
  { id: 'target-email', over: { target: { email: 'ANA@acme.example' }, account: nobody }, tier: 'addressee' },
  {
    id: 'to-only',
    // The address is only in the email's `to`: the worker used to miss it, the panel did not.
    over: { target: {}, account: nobody, content: email('Ana Lopez <ana@acme.example>') },
    tier: 'addressee',
  },
  { id: 'company', over: { target: { company: 'ACME' }, account: nobody }, tier: 'related' },
  { id: 'account-name', over: { target: {}, account: { name: 'Acme' } }, tier: 'related' },
  // The panel used to ignore the domain and the name; the worker counted them.
  { id: 'domain', over: { target: {}, account: { name: 'A', domain: 'acme.example' } }, tier: 'related' },
  { id: 'name', over: { target: { name: 'ana lopez' }, account: nobody }, tier: 'related' },
  { id: 'unrelated', over: { target: { email: 'zed@else.example' }, account: nobody }, tier: 'none' },
];

const drafts: Draft[] = TABLE.map(({ id, over }) =>
  makeDraft(id, { ...over, content: over.content ?? { subject: `Hello ${id}`, body: 'b' } }),
);
const tierOf = new Map(TABLE.map((r) => [r.id, r.tier]));

describe('pageMatch', () => {
  it.each(TABLE)('$id is $tier', ({ id, tier }) => {
    const d = drafts.find((x) => x.id === id)!;
    expect(pageMatch(d, ctx).tier).toBe(tier);
    expect(pageMatch(d, ctx).score > 0).toBe(tier !== 'none');
  });

  it('orders exact > addressee > related by score, whatever the lower rules add', () => {
    const best = (tier: MatchTier) =>
      Math.max(...drafts.filter((d) => tierOf.get(d.id) === tier).map((d) => pageMatch(d, ctx).score));
    const worst = (tier: MatchTier) =>
      Math.min(...drafts.filter((d) => tierOf.get(d.id) === tier).map((d) => pageMatch(d, ctx).score));
    // Every related rule at once still scores below a bare addressee, and that below a bare record.
    const allRelated = makeDraft('all', {
      target: { company: 'Acme', name: 'Ana Lopez' },
      account: { name: 'Acme', domain: 'acme.example' },
    });
    expect(pageMatch(allRelated, ctx)).toEqual({ tier: 'related', score: 45 });
    expect(best('related')).toBeLessThan(worst('addressee'));
    const allAddressee = makeDraft('all2', {
      target: { email: 'ana@acme.example', company: 'Acme', name: 'Ana Lopez' },
      account: { name: 'Acme', domain: 'acme.example' },
    });
    expect(pageMatch(allAddressee, ctx).score).toBeLessThan(worst('exact'));
    expect(contextScore(allAddressee, ctx)).toBe(2);
  });

  it('compares record ids exactly, except a 15- with an 18-character Salesforce id', () => {
    expect(sameRecordId('501', '501')).toBe(true);
    expect(sameRecordId('003Hs00004AnaLo', '003Hs00004AnaLoAAA')).toBe(true);
    expect(sameRecordId('003Hs00004AnaLoAAA', '003Hs00004AnaLo')).toBe(true);
    expect(sameRecordId('003Hs00004AnaLoAAA', '003Hs00004AnaLoBBB')).toBe(false);
    // Long numeric ids (HubSpot) sharing 15 digits are different records.
    expect(sameRecordId('1234567890123456', '1234567890123457')).toBe(false);
  });

  it("reads an email draft's addressees from target.email and `to`, not other kinds' content", () => {
    expect(
      draftEmails({ target: { email: ' Ana@X.test ' }, kind: 'email', content: email('b@x.test, C <c@x.test>') }),
    ).toEqual(['ana@x.test', 'b@x.test', 'c@x.test']);
    expect(draftEmails({ target: {}, kind: 'note', content: { text: 'to b@x.test', to: 'b@x.test' } })).toEqual([]);
    expect(draftEmails({ target: {}, kind: 'email', content: undefined })).toEqual([]);
  });
});

describe('the worker and the panel agree', () => {
  let db: CountersignDb;
  const settings: Settings = {
    serverUrl: 'http://srv.test',
    token: 'tok',
    user: { id: 'ana', name: 'Ana', role: 'reviewer', specialties: [] },
    connectedAt: '2026-11-21T12:00:00.000Z',
  };
  const status = { connected: true } as SyncStatus;
  const engine = { status: async () => status } as unknown as SyncEngine;

  beforeEach(async () => {
    db = new CountersignDb(`page-match-${crypto.randomUUID()}`);
    await useAccount(db, accountKey(settings));
    await applyPull(db, {
      changes: drafts.map((draft, i) => ({ op: 'upsert' as const, version: i + 1, draft })),
      cursor: 'c',
      hasMore: false,
    });
  });
  afterEach(async () => {
    await db.delete();
  });

  it('on which drafts belong to the page, which are "for this page", and their order', async () => {
    const handlers = createHandlers({
      engine,
      withDb: (fn) => fn(db),
      getSettings: async () => settings,
      onSaved: () => {},
    });
    const view = await handlers.getDrafts({ context: ctx }, { id: 'ext' });
    const matching = view.matching.map((i) => i.draft.id);
    // The worker: every draft above `none`, best first.
    expect([...matching].sort()).toEqual(
      TABLE.filter((r) => r.tier !== 'none')
        .map((r) => r.id)
        .sort(),
    );
    expect(view.others.map((i) => i.draft.id).sort()).toEqual(
      TABLE.filter((r) => r.tier === 'none')
        .map((r) => r.id)
        .sort(),
    );

    // The panel, given the worker's list in the worker's order (as PanelHost does).
    const ranked = rankDrafts(
      [...view.matching, ...view.others].map((i) => i.draft),
      ctx,
    );
    expect(ranked.filter((r) => r.score > 0).map((r) => r.draft.id)).toEqual(matching);
    for (const r of ranked) {
      const tier = tierOf.get(r.draft.id)!;
      expect([r.draft.id, r.forContext]).toEqual([r.draft.id, tier === 'exact' || tier === 'addressee']);
    }
    // And the panel alone, from the queue in another order, finds the same drafts "for this page"
    // (ties may order differently: the worker breaks them by queue priority).
    const alone = rankDrafts([...drafts].reverse(), ctx);
    const forPage = matching.filter((id) => ['exact', 'addressee'].includes(tierOf.get(id)!));
    expect(
      alone
        .slice(0, forPage.length)
        .map((r) => r.draft.id)
        .sort(),
    ).toEqual([...forPage].sort());
    expect(alone.slice(0, forPage.length).every((r) => r.forContext)).toBe(true);
    expect(alone[0]?.draft.id).toBe('sf-15');
  });
});
