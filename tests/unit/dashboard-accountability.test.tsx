import { beforeAll, describe, expect, it } from 'vitest';
import { AccountabilitySection } from '../../components/dashboard/AccountabilitySection';
import { decision, draftIn, postDecisions, postDrafts } from '../api/fixtures';
import { dashboardApp, settle } from './dashboard-app';

// The dashboard's Accountability section against the real server app (in process, SQLite): per
// reviewer approvals and misses, the negative outcome traced to its approver, error types by segment;
// another workflow (the dashboard's selector) loads its own figures.

const WF = 'acc.dash';
const app = dashboardApp('dash-admin');
let missed = '';

beforeAll(async () => {
  const { s } = app;
  const pipe = await s.token('pipeline');
  const ann = await s.token('reviewer', { user: 'ann', name: 'Ann' });
  const ben = await s.token('reviewer', { user: 'ben', name: 'Ben' });
  const ids = (
    await postDrafts(s, pipe, [
      draftIn({ workflow: WF, segment: 'smb' }),
      draftIn({ workflow: WF, segment: 'smb' }),
      draftIn({ workflow: WF, segment: 'ent' }),
      draftIn({ workflow: 'acc.other' }),
    ])
  ).map((r) => r.id);
  await postDecisions(s, ann, [decision(ids[0]!, { dwellMs: 4000 }), decision(ids[1]!, { dwellMs: 6000 })]);
  await postDecisions(s, ben, [decision(ids[2]!, { action: 'reject', reasons: ['wrong_fact'], dwellMs: 9000 })]);
  missed = ids[0]!;
  await s.api('/v1/outcomes', {
    token: pipe,
    body: { outcomes: [{ draftId: missed, correct: false, source: 'customer', note: 'wrong name' }] },
  });
});
/** The cells of the row headed `head` in the table labelled `table`. */
const rowOf = (c: HTMLElement, table: string, head: string) =>
  [
    ...[...c.querySelectorAll(`table[aria-label="${table}"] tbody tr`)]
      .find((tr) => tr.querySelector('th')?.textContent === head)!
      .querySelectorAll('th, td'),
  ].map((cell) => cell.textContent);

describe('Accountability (dashboard)', () => {
  it('shows approvals, misses, the traced negative outcome and error types; follows the workflow', async () => {
    const client = app.s.client(app.admin);
    const c = app.mount(<AccountabilitySection client={client} workflow={WF} days={0} />).container;
    await settle(() => c.querySelector('table[aria-label="Approvals and misses per reviewer"]') !== null);
    // Ann: 2 approvals, one checked later and found wrong by a customer; median of 4 s and 6 s.
    expect(rowOf(c, 'Approvals and misses per reviewer', 'Ann (ann)')).toEqual([
      'Ann (ann)',
      '2',
      '1',
      '1 (0 / 1 / 0)',
      '100%',
      '—',
      '5.0 s',
      '—',
    ]);
    expect(rowOf(c, 'Approvals and misses per reviewer', 'Ben (ben)')).toEqual([
      'Ben (ben)',
      '0',
      '0',
      '0 (0 / 0 / 0)',
      '—',
      '—',
      '9.0 s',
      'wrong_fact 1',
    ]);
    const misses = c.querySelector('ul[aria-label="Negative outcomes and who approved them"]')!.textContent!;
    expect(misses).toContain(missed);
    expect(misses).toContain('customer on');
    expect(misses).toContain('approved by ann — wrong name');
    const day = new Date().toISOString().slice(5, 10);
    expect(rowOf(c, 'Error types by segment', 'wrong_fact')).toEqual(['ent', 'wrong_fact', '1', `${day}: 1`]);

    const o = app.mount(<AccountabilitySection client={client} workflow="acc.other" days={0} />).container;
    await settle(() => o.textContent!.includes('No decisions in this window.'));
    expect(o.textContent).toContain('No negative outcomes in this window.');
  });
});
