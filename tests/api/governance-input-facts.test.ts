import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Content, DraftIn } from '../../lib/shared/schema';
import { inputColumns } from '../../server/service/governance/load';
import { rebuildGovernance, refreshGovernance } from '../../server/service/governance/refresh';
import { governanceTables, rollDifferences } from '../helpers/governance-data';
import { startTestApp, TEST_DBS } from '../helpers/server';

// Issue 16 (migration 98): what governance reads of a draft's input — the words a reviewer reads,
// an account named in the input, an escalating flag or an inbound reply — is stored with the draft at
// ingest, so the refresh does not read and parse every input JSON. Drafts stored before keep null
// and are read from their input JSON: both ways count the same.

const WF = 'input-facts';

function input(i: number, extra: Partial<DraftIn>): DraftIn {
  return {
    externalId: `facts-${i}-${randomUUID().slice(0, 8)}`,
    workflow: WF,
    kind: 'email',
    target: { site: 'gmail', email: 'kim@initech.test', name: 'Kim Lee', company: 'Initech' },
    account: { name: 'Initech' },
    content: { subject: 'Initech and the pilot', body: 'Hi Kim,\n\nThree short lines about the pilot.\n\nBest, Sam' },
    confidence: 0.8,
    rationale: 'Pilot news.',
    evidence: [],
    ...extra,
  } as DraftIn;
}

const INPUTS: DraftIn[] = [
  input(0, {}),
  input(1, { account: { name: 'Initech', tier: 'named' } }),
  input(2, { account: { name: 'Initech', tier: 'standard' } }),
  input(3, { flags: ['pricing'] }),
  input(4, { flags: ['follow-up'] }),
  input(5, { inbound: true }),
  input(6, { kind: 'note', content: { text: 'Met Kim at the fair: wants a demo in May.' } } as Partial<DraftIn>),
  input(7, {
    kind: 'crm_update',
    content: {
      fields: [
        { name: 'stage', value: 'Demo booked' },
        { name: 'next_step', label: 'Next step', value: 'Send the pilot plan by Friday' },
      ],
    },
  } as Partial<DraftIn>),
  input(8, {}),
  input(9, {}),
];

describe.each(TEST_DBS)('what governance reads of a draft input, on %s', (db) => {
  it('is stored at ingest as the input gives it, and counts as read from the input JSON', async () => {
    const s = await startTestApp(db);
    try {
      const pipeline = await s.token('pipeline', { user: 'facts-pipeline' });
      const ana = await s.token('reviewer', { user: 'ana' });
      const posted = await s.api('/v1/drafts', { token: pipeline, body: { drafts: INPUTS } });
      expect(posted.status).toBe(200);
      const ids = ((await posted.json()) as { results: { id: string }[] }).results.map((r) => r.id);

      const stored = await s.store.db
        .selectFrom('drafts')
        .select(['id', 'words', 'input_named', 'input_escalates'])
        .where('id', 'in', ids)
        .execute();
      const byId = new Map(stored.map((r) => [r.id, r]));
      const columns = ids.map((id) => {
        const r = byId.get(id)!;
        return { words: r.words, input_named: r.input_named, input_escalates: r.input_escalates };
      });
      expect(columns).toEqual(INPUTS.map(inputColumns));
      // Spelled out: what each input stands for (by its place in INPUTS).
      const which = (f: (c: (typeof columns)[number]) => boolean | null) =>
        columns.flatMap((c, i) => (f(c) ? [i] : []));
      expect(which((c) => c.input_named)).toEqual([1]);
      expect(which((c) => c.input_escalates)).toEqual([3, 5]);
      expect(columns.map((c) => c.words)).toEqual([14, 14, 14, 14, 14, 14, 10, 8, 14, 14]);

      // Decided: an edit that changes nothing, an edit that changes the text, an approval and a
      // rejection. Whether an edit changed the content is stored with it (migration 101).
      const decide = async (draftId: string, action: string, content?: Content) => {
        const r = await s.api('/v1/decisions', {
          token: ana,
          body: {
            decisions: [
              {
                id: randomUUID(),
                draftId,
                action,
                decidedAt: new Date().toISOString(),
                dwellMs: 20_000,
                ...(content ? { content, reasons: ['tone'] } : {}),
                ...(action === 'reject' ? { reasons: ['wrong_facts'] } : {}),
              },
            ],
          },
        });
        expect(r.status).toBe(200);
        expect(((await r.json()) as { results: { status: string }[] }).results[0]!.status).toBe('applied');
      };
      await decide(ids[0]!, 'edit', INPUTS[0]!.content);
      await decide(ids[8]!, 'edit', { subject: 'Initech and the pilot', body: 'Hi Kim,\n\nRewritten.\n\nBest, Sam' });
      await decide(ids[9]!, 'approve');
      await decide(ids[2]!, 'reject');
      const decided = await s.store.db
        .selectFrom('decisions')
        .select(['draft_id', 'edit_changed'])
        .where('draft_id', 'in', [ids[0]!, ids[8]!, ids[9]!, ids[2]!])
        .execute();
      const changed = (i: number) => decided.find((d) => d.draft_id === ids[i])!.edit_changed;
      expect([changed(0), changed(8), changed(9), changed(2)]).toEqual([false, true, null, null]);

      await refreshGovernance(s.store);
      const counted = await governanceTables(s.store);
      const fact = (i: number) => counted.facts.find((f) => f.draft_id === ids[i])!;
      const label = (i: number) => counted.decisions.find((d) => d.draft_id === ids[i])!.label;
      expect(INPUTS.map((_, i) => fact(i).rule_escalated)).toEqual([0, 1, 0, 1, 0, 1, 0, 0, 0, 0]);
      expect(INPUTS.map((_, i) => fact(i).words)).toEqual(columns.map((c) => c.words));
      expect([label(0), label(8), label(9), label(2)]).toEqual(['approved', 'edited', 'approved', 'rejected']);

      // The refresh takes the stored answer (not the comparison): told otherwise, it counts otherwise.
      const setChanged = (i: number, value: boolean | null) =>
        s.store.write((trx) =>
          trx
            .updateTable('decisions')
            .set({ edit_changed: value })
            .where('draft_id', '=', ids[i]!)
            .where('action', '=', 'edit')
            .execute(),
        );
      await setChanged(8, false);
      await rebuildGovernance(s.store);
      expect((await governanceTables(s.store)).decisions.find((d) => d.draft_id === ids[8])!.label).toBe('approved');
      await setChanged(8, true);

      // As drafts stored before migration 98 and decisions before 101 are: the same facts, read from
      // the input JSON and each edit compared with its draft's content.
      await s.store.write(async (trx) => {
        await trx.updateTable('drafts').set({ words: null, input_named: null, input_escalates: null }).execute();
        await trx.updateTable('decisions').set({ edit_changed: null }).execute();
      });
      await rebuildGovernance(s.store);
      const legacy = await governanceTables(s.store);
      expect(legacy.facts).toEqual(counted.facts);
      expect(legacy.decisions).toEqual(counted.decisions);
      expect(rollDifferences(legacy.roll, counted.roll)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
