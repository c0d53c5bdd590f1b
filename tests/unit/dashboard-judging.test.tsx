import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CalibrationJudging } from '../../components/dashboard/CalibrationJudging';
import { draftIn, postDrafts } from '../api/fixtures';
import { startTestApp, type TestApi } from '../helpers/server';
import { button, type Mounted, mount, type } from './panel-helpers';

// A reviewer's calibration screen (issue 16 §3) against the real server app (in process, SQLite):
// Ann sees the session she is in, judges its drafts blind (Ben's judgement, saved first, never
// appears), saves; coming back shows her own answers; the admin's results count them.

const WF = 'judge.dash';
let s: TestApi;
let admin: string;
const tok: Record<string, string> = {};
let sessionId = '';
let mounted: Mounted | null = null;

beforeAll(async () => {
  s = await startTestApp('sqlite');
  admin = await s.token('admin', { user: 'judge-admin' });
  for (const u of ['ann', 'ben', 'cy']) tok[u] = await s.token('reviewer', { user: u });
  const pipe = await s.token('pipeline');
  const ids = (
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
afterAll(async () => {
  mounted?.unmount();
  await s?.close();
});

async function settle(until: () => boolean) {
  await vi.waitFor(
    async () => {
      await act(async () => {});
      expect(until()).toBe(true);
    },
    { timeout: 5000 },
  );
}

const radio = (c: HTMLElement, draft: number, label: string) =>
  [...c.querySelectorAll(`article[aria-label="Draft ${draft} of 3"] label`)]
    .find((l) => l.textContent === label)!
    .querySelector('input') as HTMLInputElement;

describe('Calibration judging (dashboard, reviewer)', () => {
  it('judges blind, saves, and shows only the reviewer’s own answers on return', async () => {
    mounted = mount(<CalibrationJudging client={s.client(tok.ann)} />);
    const c = mounted.container;
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
    mounted.unmount();
    mounted = mount(<CalibrationJudging client={s.client(tok.ann)} />);
    const d = mounted.container;
    await settle(() => d.textContent!.includes('December check'));
    await act(async () => button(d, 'Judge December check').click());
    await settle(() => d.querySelectorAll('article').length === 3);
    expect(radio(d, 1, 'Approve').checked).toBe(true);
    expect(radio(d, 3, 'Reject').checked).toBe(true);
    expect(d.textContent).not.toContain('BEN-SECRET-NOTE');

    // Cy is in no session.
    mounted.unmount();
    mounted = mount(<CalibrationJudging client={s.client(tok.cy)} />);
    await settle(() => mounted!.container.textContent!.includes('You are not in any calibration session.'));

    // The admin's results count Ann's judgements: Ann and Ben disagree on drafts 1 and 2.
    const closed = await s.client(admin).call('closeCalibrationSession', { params: { id: sessionId } });
    const ann = closed.reviewers.find((r) => r.userId === 'ann')!;
    expect(ann.verdicts).toEqual({ approve: 2, edit: 0, reject: 1, escalate: 0 });
    expect(closed.splits).toHaveLength(2);
  });
});
