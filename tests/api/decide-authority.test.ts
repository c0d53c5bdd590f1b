import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision, DraftIn, DraftResult, Role, Specialty } from '../../lib/shared/schema';
import { MANUAL_NEEDS_CONTENT } from '../../server/service/decide';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

/**
 * Authority to decide is current (issue 13): a decision applies only when the person may decide the
 * draft now. Every route × every role × before/after escalation and re-routing; each case is its own
 * draft, decided by one person with one action. The expected answer comes from the rules written out
 * below (not from the server's own function), and every mismatch is counted both ways: decisions
 * applied without authority (must be 0) and decisions refused despite it (must be 0 too, or the
 * matrix would pass by refusing everything).
 */

interface Person {
  id: string;
  role: Role;
  specialty?: Specialty;
}

const PEOPLE: Person[] = [
  { id: 'rev', role: 'reviewer' },
  { id: 'rev2', role: 'reviewer' },
  { id: 'own', role: 'owner' },
  { id: 'own2', role: 'owner' },
  { id: 'specl', role: 'specialist', specialty: 'legal' },
  { id: 'specp', role: 'specialist', specialty: 'pricing' },
  { id: 'adm', role: 'admin' },
  { id: 'adm2', role: 'admin' },
  { id: 'pipe', role: 'pipeline' },
];

interface Place {
  queue: string;
  assignee: string | null;
}

/** A standard account with an owner (the draft can be escalated to the owner). */
const OWNED = { name: 'Acme', ownerId: 'own' };

/** The routes, as drafts that the routing rules put there, and where they start. */
const ROUTES: Record<string, { over: Record<string, unknown>; start: Place; first: string }> = {
  review: { over: { confidence: 0.85, account: OWNED }, start: { queue: 'review', assignee: null }, first: 'rev' },
  manual: { over: { confidence: 0.5, account: OWNED }, start: { queue: 'manual', assignee: null }, first: 'rev' },
  audit: {
    over: { workflow: 'wf-audit', confidence: 0.99, account: OWNED },
    start: { queue: 'audit', assignee: null },
    first: 'rev',
  },
  owner: {
    over: { account: { name: 'Acme', tier: 'named', ownerId: 'own' } },
    start: { queue: 'owner', assignee: 'own' },
    first: 'own',
  },
  specialist: {
    over: { flags: ['legal'], account: OWNED },
    start: { queue: 'specialist:legal', assignee: null },
    first: 'specl',
  },
  admin: {
    over: { confidence: 0.5, segment: 'failing', account: OWNED },
    start: { queue: 'admin', assignee: null },
    first: 'adm',
  },
  'second review (owner)': {
    over: { account: { name: 'Acme', tier: 'named', ownerId: 'own', dealValue: 500_000 } },
    start: { queue: 'owner', assignee: 'own' },
    first: 'own',
  },
  'second review (no owner)': {
    over: { account: { name: 'Acme', tier: 'named', dealValue: 500_000 } },
    start: { queue: 'review', assignee: null },
    first: 'rev',
  },
};

type Step = { by: 'first' | string; escalateTo?: Decision['escalateTo']; approve?: boolean };

/** Before/after escalation and re-routing: the steps that bring a fresh draft into the state. */
const STATES: Record<string, { steps: Step[]; place?: Place }> = {
  fresh: { steps: [] },
  'escalated to owner': {
    steps: [{ by: 'first', escalateTo: { kind: 'owner' } }],
    place: { queue: 'owner', assignee: 'own' },
  },
  'escalated to pricing specialist': {
    steps: [{ by: 'first', escalateTo: { kind: 'specialist', specialty: 'pricing' } }],
    place: { queue: 'specialist:pricing', assignee: null },
  },
  'escalated to admin': {
    steps: [{ by: 'first', escalateTo: { kind: 'admin' } }],
    place: { queue: 'admin', assignee: null },
  },
  're-routed (legal specialist, then admin)': {
    steps: [
      { by: 'first', escalateTo: { kind: 'specialist', specialty: 'legal' } },
      { by: 'specl', escalateTo: { kind: 'admin' } },
    ],
    place: { queue: 'admin', assignee: null },
  },
  'first approval given': { steps: [{ by: 'first', approve: true }] },
};

/** Which states each route can be in (audit checks cannot be escalated; only second reviews wait for a second approval). */
function statesOf(route: string): string[] {
  if (route === 'audit') return ['fresh'];
  const escalations = Object.keys(STATES).filter((k) => k !== 'fresh' && k !== 'first approval given');
  const hasOwner = !(route === 'second review (no owner)');
  const list = ['fresh', ...escalations.filter((k) => hasOwner || k !== 'escalated to owner')];
  if (route.startsWith('second review')) list.push('first approval given');
  return list;
}

/** The rules, written out: may `p` decide a draft that is at `place` and was approved by `approvedBy`? */
function mayDecide(p: Person, place: Place, approvedBy: string[]): boolean {
  if (p.role === 'pipeline') return false; // not a reviewer role at all
  if (approvedBy.includes(p.id)) return false; // two-person rule
  if (p.role === 'admin') return place.queue !== 'auto';
  if (place.assignee !== null) return place.assignee === p.id;
  if (['review', 'manual', 'audit'].includes(place.queue)) return true;
  if (place.queue.startsWith('specialist:'))
    return p.role === 'specialist' && place.queue === `specialist:${p.specialty}`;
  return false; // the admin queue
}

const ACTIONS = ['edit', 'reject', 'escalate'] as const;

function matrixDecision(draftId: string, action: (typeof ACTIONS)[number]): Decision {
  if (action === 'edit')
    return decision(draftId, {
      action: 'edit',
      content: { subject: 'Rewritten', body: 'Hi Pat,\nRewritten by a person.\nBest,\nSam' },
      reasons: ['tone'],
    });
  if (action === 'reject') return decision(draftId, { action: 'reject', reasons: ['wrong_facts'] });
  return decision(draftId, { action: 'escalate', escalateTo: { kind: 'admin' } });
}

interface Case {
  route: string;
  state: string;
  person: Person;
  action: (typeof ACTIONS)[number];
  draftId: string;
  place: Place;
  approvedBy: string[];
}

describe.each(TEST_DBS)('authority to decide on %s', (db) => {
  let s: TestApi;
  const tokens = new Map<string, string>();
  const tok = (id: string) => tokens.get(id)!;

  beforeAll(async () => {
    s = await startTestApp(db, { random: () => 0 });
    for (const p of PEOPLE) tokens.set(p.id, await s.token(p.role, { user: p.id, specialty: p.specialty }));
    // The audit route: auto-approval allowed, every auto-approved draft sampled for audit.
    const put = await s.api('/v1/workflows/wf-audit', {
      method: 'PUT',
      token: tok('adm'),
      body: { level: 'review_exceptions', auditSampleRate: 1 },
    });
    expect(put.status).toBe(200);
    // The admin route: a segment that keeps failing (two earlier drafts below the review threshold).
    await postDrafts(s, tok('pipe'), [
      draftIn({ confidence: 0.5, segment: 'failing' }),
      draftIn({ confidence: 0.5, segment: 'failing' }),
    ]);
  });
  afterAll(() => s?.close());

  /** Posts one draft per (route, state, person, action), brings each into its state, and returns the cases. */
  async function buildMatrix(): Promise<Case[]> {
    const plan: Array<Omit<Case, 'draftId' | 'place' | 'approvedBy'> & { input: DraftIn }> = [];
    for (const route of Object.keys(ROUTES))
      for (const state of statesOf(route))
        for (const person of PEOPLE)
          for (const action of ACTIONS)
            plan.push({ route, state, person, action, input: draftIn(ROUTES[route]!.over) });
    const results: DraftResult[] = [];
    for (let i = 0; i < plan.length; i += 400)
      results.push(
        ...(await postDrafts(
          s,
          tok('pipe'),
          plan.slice(i, i + 400).map((p) => p.input),
        )),
      );
    const cases: Case[] = plan.map((p, i) => {
      const r = results[i]!;
      const route = ROUTES[p.route]!;
      // The routing put it where the route says (else the matrix would test something else).
      expect({ queue: r.queue, assignee: r.assignee }, `${p.route}`).toEqual(route.start);
      return { ...p, draftId: r.id, place: route.start, approvedBy: [] };
    });
    // The steps of each state, by whoever may take them; each must apply.
    for (let step = 0; step < 2; step++) {
      const byPerson = new Map<string, Array<{ c: Case; d: Decision }>>();
      for (const c of cases) {
        const st = STATES[c.state]!.steps[step];
        if (!st) continue;
        const by = st.by === 'first' ? ROUTES[c.route]!.first : st.by;
        const d = st.approve
          ? decision(c.draftId, { action: 'approve' })
          : decision(c.draftId, { action: 'escalate', escalateTo: st.escalateTo });
        byPerson.set(by, [...(byPerson.get(by) ?? []), { c, d }]);
        if (st.approve) c.approvedBy = [by];
      }
      for (const [by, list] of byPerson)
        for (let i = 0; i < list.length; i += 200) {
          const chunk = list.slice(i, i + 200);
          const res = await postDecisions(
            s,
            tok(by),
            chunk.map((x) => x.d),
          );
          for (const [j, r] of res.entries())
            expect(r, `${chunk[j]!.c.route} / ${chunk[j]!.c.state}`).toMatchObject({ status: 'applied' });
        }
    }
    for (const c of cases) c.place = STATES[c.state]!.place ?? c.place;
    return cases;
  }

  it('every route × every role × before/after escalation and re-routing: 0 unauthorized decisions', async () => {
    const cases = await buildMatrix();
    let unauthorized = 0;
    let wronglyRefused = 0;
    const mismatches: string[] = [];
    for (const person of PEOPLE) {
      const mine = cases.filter((c) => c.person.id === person.id);
      for (let i = 0; i < mine.length; i += 200) {
        const chunk = mine.slice(i, i + 200);
        const r = await s.api('/v1/decisions', {
          token: tok(person.id),
          body: { decisions: chunk.map((c) => matrixDecision(c.draftId, c.action)) },
        });
        const statuses: Array<{ status: string; error?: string }> =
          r.status === 200
            ? (await json<{ results: Array<{ status: string; error?: string }> }>(r)).results
            : chunk.map(() => ({ status: `http ${r.status}` }));
        if (person.role === 'pipeline') expect(r.status).toBe(403);
        chunk.forEach((c, j) => {
          const authorized = mayDecide(person, c.place, c.approvedBy);
          // An audit check cannot be escalated, whoever asks.
          const valid = !(c.route === 'audit' && c.action === 'escalate');
          const applied = statuses[j]!.status === 'applied';
          if (applied && !authorized) unauthorized++;
          if (!applied && authorized && valid) wronglyRefused++;
          if (applied !== (authorized && valid))
            mismatches.push(
              `${c.route} / ${c.state} / ${person.id} ${c.action}: ${statuses[j]!.status} ${statuses[j]!.error ?? ''}`,
            );
        });
      }
    }
    console.log(
      `[decide-authority ${db}] ${cases.length} cases (${Object.keys(ROUTES).length} routes × states × ${PEOPLE.length} people × ${ACTIONS.length} actions): ` +
        `${unauthorized} unauthorized decisions applied, ${wronglyRefused} authorized decisions refused`,
    );
    expect(mismatches).toEqual([]);
    expect(unauthorized).toBe(0);
    expect(wronglyRefused).toBe(0);
    // The matrix decided something: most cases are someone's to decide.
    expect(cases.length).toBeGreaterThan(800);
  });

  it('the escalator cannot decide a draft they escalated away, but can still read it', async () => {
    const [d] = await postDrafts(s, tok('pipe'), [draftIn()]);
    const [esc] = await postDecisions(s, tok('rev'), [
      decision(d!.id, { action: 'escalate', escalateTo: { kind: 'admin' } }),
    ]);
    expect(esc).toMatchObject({ status: 'applied' });
    for (const action of ['approve', 'reject', 'escalate'] as const) {
      const [r] = await postDecisions(s, tok('rev'), [
        decision(d!.id, { action, reasons: ['tone'], escalateTo: { kind: 'specialist', specialty: 'legal' } }),
      ]);
      expect(r).toMatchObject({ status: 'rejected', error: expect.stringContaining('no longer yours to decide') });
    }
    // Reads keep the history: the escalator still sees where it went.
    const got = await s.api(`/v1/drafts/${d!.id}`, { token: tok('rev') });
    expect(got.status).toBe(200);
    expect(await json(got)).toMatchObject({ status: 'escalated', queue: 'admin' });
    // The admin decides it.
    const [ok] = await postDecisions(s, tok('adm'), [decision(d!.id)]);
    expect(ok).toMatchObject({ status: 'applied' });
  });

  it('a plain approve of a draft routed manual is rejected; Save and approve (content) applies', async () => {
    const [a, b, c] = await postDrafts(s, tok('pipe'), [
      draftIn({ confidence: 0.4 }),
      draftIn({ confidence: 0.4 }),
      draftIn({ confidence: 0.4 }),
    ]);
    expect(a).toMatchObject({ route: 'manual', queue: 'manual' });
    const written = { subject: 'Written by Rev', body: 'Hi Pat,\nWritten by a person.\nBest,\nRev' };
    const [plain, approveWithContent, edit] = await postDecisions(s, tok('rev'), [
      decision(a!.id),
      decision(b!.id, { action: 'approve', content: written }),
      decision(c!.id, { action: 'edit', content: written, reasons: ['tone'] }),
    ]);
    expect(plain).toEqual({ id: expect.any(String), status: 'rejected', error: MANUAL_NEEDS_CONTENT });
    expect(approveWithContent).toMatchObject({ status: 'applied' });
    expect(edit).toMatchObject({ status: 'applied' });
    expect(await json(s.api(`/v1/drafts/${a!.id}`, { token: tok('adm') }))).toMatchObject({ status: 'pending' });
    expect(await json(s.api(`/v1/drafts/${b!.id}`, { token: tok('adm') }))).toMatchObject({
      status: 'approved',
      final: written,
    });
    // An admin's plain approve is refused too: the friction is for everyone.
    const [admin] = await postDecisions(s, tok('adm'), [decision(a!.id)]);
    expect(admin).toMatchObject({ status: 'rejected', error: MANUAL_NEEDS_CONTENT });
  });

  it('a decision about a draft that does not exist is rejected and not stored', async () => {
    const d = decision('no-such-draft');
    const [r] = await postDecisions(s, tok('rev'), [d]);
    expect(r).toMatchObject({ status: 'rejected', error: 'unknown draft' });
    const row = await s.store.db.selectFrom('decisions').select('id').where('id', '=', d.id).executeTakeFirst();
    expect(row).toBeUndefined();
    // Sent again: the same answer, still nothing stored.
    expect((await postDecisions(s, tok('rev'), [d]))[0]).toMatchObject({ status: 'rejected' });
  });
});

describe.each(TEST_DBS)('friction fields on %s', (db) => {
  let s: TestApi;
  afterAll(() => s?.close());

  it('batchApprovable is false for named accounts, specialists, second reviews and the manual route', async () => {
    s = await startTestApp(db);
    const pipe = await s.token('pipeline');
    const adm = await s.token('admin');
    const cases: Array<[string, Record<string, unknown>, boolean, boolean]> = [
      ['review', { confidence: 0.85 }, true, true],
      ['manual', { confidence: 0.4 }, false, false],
      ['named', { account: { name: 'Acme', tier: 'named', ownerId: 'own' } }, false, true],
      ['specialist', { flags: ['pricing'] }, false, true],
      ['second review', { account: { name: 'Acme', tier: 'named', dealValue: 500_000 } }, false, true],
    ];
    const results = await postDrafts(
      s,
      pipe,
      cases.map(([, over]) => draftIn(over)),
    );
    for (const [i, [name, , batch, oneClick]] of cases.entries()) {
      const d = await json(s.api(`/v1/drafts/${results[i]!.id}`, { token: adm }));
      expect({ name, batchApprovable: d.batchApprovable, oneClickApprove: d.oneClickApprove }).toEqual({
        name,
        batchApprovable: batch,
        oneClickApprove: oneClick,
      });
    }
    const queue = await json<{ items: Array<{ id: string; batchApprovable?: boolean }> }>(
      s.api('/v1/queue', { token: adm }),
    );
    expect(queue.items.find((x) => x.id === results[0]!.id)?.batchApprovable).toBe(true);
    expect(queue.items.find((x) => x.id === results[1]!.id)?.batchApprovable).toBe(false);
  });
});
