import { act } from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { CalibrationSessions } from '../../components/dashboard/CalibrationSessions';
import { draftIn } from '../api/fixtures';
import { dashboardApp, settle } from './dashboard-app';
import { button, type } from './panel-helpers';

// The dashboard's calibration-session section against the real server app (in process, SQLite):
// start a session on a sample with two chosen reviewers, see counts of who judged, close it, read
// kappa, deviations and the draft that split the team.

const WF = 'calib.dash';
const app = dashboardApp('dash-admin');
const tok: Record<string, string> = {};

beforeAll(async () => {
  const { s } = app;
  for (const u of ['ann', 'ben', 'cy']) tok[u] = await s.token('reviewer', { user: u });
  const pipe = await s.token('pipeline');
  await s.api('/v1/drafts', {
    token: pipe,
    body: { drafts: Array.from({ length: 4 }, (_, i) => draftIn({ workflow: WF, externalId: `dash-${i}` })) },
  });
});
describe('Calibration sessions (dashboard)', () => {
  it('starts a sampled session, shows judged counts only, closes it and shows agreement and splits', async () => {
    const { s, admin } = app;
    const c = app.mount(
      <CalibrationSessions client={s.client(admin)} workflow={WF} candidates={['ann', 'ben', 'cy']} />,
    ).container;
    await settle(() => c.textContent!.includes('No calibration sessions for this workflow yet.'));
    expect(button(c, 'Start session').disabled).toBe(true);
    const box = (name: string) =>
      [...c.querySelectorAll('label')].find((l) => l.textContent === name)!.querySelector('input')!;
    await act(async () => box('ann').click());
    await act(async () => box('ben').click());
    const size = [...c.querySelectorAll('label')].find((l) => l.textContent === 'Drafts to sample')!;
    type(c.querySelector(`#${CSS.escape(size.htmlFor)}`) as HTMLInputElement, '4');
    expect(button(c, 'Start session').disabled).toBe(false);
    await act(async () => button(c, 'Start session').click());
    await settle(() => c.querySelector('table[aria-label="Calibration sessions"] tbody tr') !== null);
    expect(c.textContent).toContain('ann 0/4, ben 0/4');

    // The reviewers judge through the API: ann approves all; ben rejects the first.
    const list = (await (await s.api('/v1/calibration-sessions', { token: tok.ann })).json()) as {
      sessions: { id: string }[];
    };
    const id = list.sessions[0]!.id;
    const items = (await (await s.api(`/v1/calibration-sessions/${id}/items`, { token: tok.ann })).json()) as {
      items: { draftId: string }[];
    };
    for (const who of ['ann', 'ben'])
      await s.api(`/v1/calibration-sessions/${id}/judgements`, {
        token: tok[who],
        method: 'PUT',
        body: {
          judgements: items.items.map((i, n) => ({
            draftId: i.draftId,
            verdict: who === 'ben' && n === 0 ? 'reject' : 'approve',
            ...(who === 'ben' && n === 0 ? { note: 'stale fact' } : {}),
          })),
        },
      });

    await act(async () => button(c, 'Close session').click());
    await settle(() => c.querySelector('[data-testid="calibration-results"]') !== null);
    const results = c.querySelector('[data-testid="calibration-results"]')!.textContent!;
    // 4 drafts × 2 reviewers: one disagreement. P̄ = 3/4, p = (7/8, 1/8): P̄e = 50/64, κ = −0.14.
    expect(results).toContain("Fleiss' κ -0.14");
    expect(results).toContain('over 4 drafts');
    expect(results).toContain(`${items.items[0]!.draftId}: 1 approve, 0 edit, 1 reject, 0 escalate (no majority)`);
    expect(results).toContain('ben: reject — stale fact');
    expect(results).toContain('1 of 4 (25%)');
    await settle(() => c.textContent!.includes('closed '));
    expect(() => button(c, 'Close session')).toThrow();
  });
});
