import { act } from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { CalibrationJudging } from '../../components/dashboard/CalibrationJudging';
import { draftIn, postDrafts } from '../api/fixtures';
import { dashboardApp, settle } from './dashboard-app';
import { button, type } from './panel-helpers';

// A reviewer's calibration screen (issue 16 §3) against the real server app (in process, SQLite):
// Ann sees the session she is in, judges its drafts blind (Ben's judgement, saved first, never
// appears), saves; coming back shows her own answers; the admin's results count them. An admin
// chosen as a judge gets the same screen on the dashboard, as blind; an admin who is not, none.

const WF = 'judge.dash';
const app = dashboardApp('judge-admin');
const tok: Record<string, string> = {};
let sessionId = '';
let ids: string[] = [];

beforeAll(async () => {
  const { s, admin } = app;
  for (const u of ['ann', 'ben', 'cy']) tok[u] = await s.token('reviewer', { user: u });
  tok.lead = await s.token('admin', { user: 'lead' });
  const pipe = await s.token('pipeline');
  ids = (
    await postDrafts(
      s,
      pipe,
      ['Alpha', 'Beta', 'Gamma'].map((name) =>
        draftIn({
          workflow: WF,
          account: { name },
          content: { subject: `A question for ${name}`, body: `Hi,\nA short note about ${name}.\nBest,\nSam` },
        }),
      ),
    )
  ).map((r) => r.id);
  const created = await s.api('/v1/calibration-sessions', {
    token: admin,
    body: { workflow: WF, name: 'December check', reviewers: ['ann', 'ben'], draftIds: ids },
  });
  sessionId = ((await created.json()) as { id: string }).id;
  await s.api(`/v1/calibration-sessions/${sessionId}/judgements`, {
    token: tok.ben,
    method: 'PUT',
    body: { judgements: ids.map((draftId) => ({ draftId, verdict: 'reject', note: 'BEN-SECRET-NOTE' })) },
  });
});
const radio = (c: HTMLElement, draft: number, label: string) =>
  [...c.querySelectorAll(`article[aria-label="Draft ${draft} of 3"] label`)]
    .find((l) => l.textContent === label)!
    .querySelector('input') as HTMLInputElement;

describe('Calibration judging (dashboard, reviewer)', () => {
  it('judges blind, saves, and shows only the reviewer’s own answers on return', async () => {
    const { s, admin } = app;
    const c = app.mount(<CalibrationJudging client={s.client(tok.ann)} />).container;
    await settle(() => c.textContent!.includes('December check'));
    expect(c.textContent).toContain('you judged 0 of 3');
    await act(async () => button(c, 'Judge December check').click());
    await settle(() => c.querySelectorAll('article').length === 3);
    expect(c.textContent).toContain('A question for Alpha');
    expect(c.textContent).not.toContain('BEN-SECRET-NOTE');
    expect(c.querySelector('input[type="radio"]:checked')).toBeNull();

    await act(async () => radio(c, 1, 'Approve').click());
    await act(async () => radio(c, 2, 'Approve').click());
    await act(async () => radio(c, 3, 'Reject').click());
    const note = [...c.querySelectorAll('label')].find((l) => l.textContent === 'Note on draft 3')!;
    type(note.querySelector('input')!, 'wrong company');
    await act(async () => button(c, 'Save judgements').click());
    await settle(() => c.textContent!.includes('You have judged 3 of 3 drafts.'));
    await settle(() => c.textContent!.includes('you judged 3 of 3'));

    // Coming back: her own answers, still nobody else's.
    const d = app.mount(<CalibrationJudging client={s.client(tok.ann)} />).container;
    await settle(() => d.textContent!.includes('December check'));
    await act(async () => button(d, 'Judge December check').click());
    await settle(() => d.querySelectorAll('article').length === 3);
    expect(radio(d, 1, 'Approve').checked).toBe(true);
    expect(radio(d, 3, 'Reject').checked).toBe(true);
    expect(d.textContent).not.toContain('BEN-SECRET-NOTE');

    // Cy is in no session.
    const e = app.mount(<CalibrationJudging client={s.client(tok.cy)} />).container;
    await settle(() => e.textContent!.includes('You are not in any calibration session.'));

    // The admin's results count Ann's judgements: Ann and Ben disagree on drafts 1 and 2.
    const closed = await s.client(admin).call('closeCalibrationSession', { params: { id: sessionId } });
    const ann = closed.reviewers.find((r) => r.userId === 'ann')!;
    expect(ann.verdicts).toEqual({ approve: 2, edit: 0, reject: 1, escalate: 0 });
    expect(closed.splits).toHaveLength(2);
  });

  it('an admin chosen as a judge judges on the dashboard, blind; results wait for the close; other admins see no screen', async () => {
    const { s, admin } = app;
    const created = await s.client(admin).call('createCalibrationSession', {
      body: { workflow: WF, name: 'Leads check', reviewers: ['lead', 'ben'], draftIds: ids },
    });
    await s.api(`/v1/calibration-sessions/${created.id}/judgements`, {
      token: tok.ben,
      method: 'PUT',
      body: { judgements: ids.map((draftId) => ({ draftId, verdict: 'edit', note: 'BEN-SECOND-NOTE' })) },
    });
    // The admin who started it is no judge in it: nothing to judge, no screen.
    const none = app.mount(<CalibrationJudging client={s.client(admin)} admin />).container;
    await settle(() => !none.textContent!.includes('Leads check'));
    await act(() => new Promise((r) => setTimeout(r, 200)));
    expect(none.textContent).toBe('');

    const lead = s.client(tok.lead);
    const c = app.mount(<CalibrationJudging client={lead} admin />).container;
    await settle(() => c.textContent!.includes('Leads check'));
    // The December check (closed, not hers) is not listed; only the session she judges in.
    expect(c.textContent).not.toContain('December check');
    expect(c.textContent).toContain('you judged 0 of 3');
    await act(async () => button(c, 'Judge Leads check').click());
    await settle(() => c.querySelectorAll('article').length === 3);
    expect(c.textContent).not.toContain('BEN-SECOND-NOTE');
    expect(c.querySelector('input[type="radio"]:checked')).toBeNull();
    // As a judge of an open session she cannot read its results (the server says so), even as admin.
    await expect(lead.call('calibrationResults', { params: { id: created.id } })).rejects.toThrow();

    for (const n of [1, 2, 3]) await act(async () => radio(c, n, 'Approve').click());
    await act(async () => button(c, 'Save judgements').click());
    await settle(() => c.textContent!.includes('You have judged 3 of 3 drafts.'));
    const closed = await lead.call('closeCalibrationSession', { params: { id: created.id } });
    expect(closed.reviewers.find((r) => r.userId === 'lead')!.verdicts).toEqual({
      approve: 3,
      edit: 0,
      reject: 0,
      escalate: 0,
    });
    // Closed: nothing left to judge, the screen goes (the results are the sessions table's).
    const after = app.mount(<CalibrationJudging client={lead} admin />).container;
    await act(() => new Promise((r) => setTimeout(r, 200)));
    await settle(() => after.textContent === '');
  });
});
