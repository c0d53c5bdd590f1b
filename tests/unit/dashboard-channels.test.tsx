import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TeamChannelsSection } from '../../components/dashboard/TeamChannelsSection';
import { startTestApp, type TestApi } from '../helpers/server';
import { button, type Mounted, mount, type } from './panel-helpers';

// The dashboard's Team channels section (issue 15 §6) against the real server app: add a webhook and
// an email channel, turn a digest on, remove one; a target the server refuses is named and not stored.

const WF = 'team.dash';
let s: TestApi;
let admin: string;
let mounted: Mounted | null = null;

beforeAll(async () => {
  s = await startTestApp('sqlite');
  admin = await s.token('admin', { user: 'tc-admin' });
});
afterAll(async () => {
  mounted?.unmount();
  await s?.close();
});

const stored = async () => (await s.client(admin).call('getChannels', { params: { workflow: WF } })).channels;

describe('Team channels (dashboard)', () => {
  it('adds, changes and removes a workflow’s channels through the admin API', async () => {
    mounted = mount(<TeamChannelsSection client={s.client(admin)} workflow={WF} />);
    const c = mounted.container;
    const settle = (check: () => void) =>
      vi.waitFor(
        async () => {
          await act(async () => {});
          check();
        },
        { timeout: 5000 },
      );
    await settle(() => expect(c.querySelector('.empty')?.textContent).toBe(`No team channel for ${WF}.`));
    const field = (text: string) => {
      const label = [...c.querySelectorAll('label')].find((l) => l.textContent === text)!;
      return c.querySelector(`#${CSS.escape(label.htmlFor)}`) as HTMLInputElement & HTMLSelectElement;
    };
    type(field('Webhook URL'), 'https://hooks.example.test/services/T1/B1');
    await act(async () => button(c, 'Add channel').click());
    await settle(() =>
      expect(c.querySelector('output')?.textContent).toBe('Added https://hooks.example.test/services/T1/B1.'),
    );
    // A URL with credentials: refused by the server, said, nothing stored.
    type(field('Webhook URL'), 'https://user:secret@hooks.example.test/x');
    await act(async () => button(c, 'Add channel').click());
    await settle(() => expect(c.querySelector('[role="alert"]')?.textContent).toMatch(/user name or password/));
    expect((await stored()).map((x) => x.target)).toEqual(['https://hooks.example.test/services/T1/B1']);
    // An email channel with a digest.
    const kind = field('Kind');
    act(() => {
      kind.value = 'email';
      kind.dispatchEvent(new Event('change', { bubbles: true }));
    });
    type(field('Email address'), 'team@example.test');
    act(() => field(' Digest').click());
    await act(async () => button(c, 'Add channel').click());
    await settle(() => expect(c.querySelectorAll('tbody tr')).toHaveLength(2));
    expect(c.querySelector('[role="alert"]')).toBeNull();
    expect((await stored()).map((x) => [x.kind, x.target, x.digest, x.updatedBy])).toEqual([
      ['email', 'team@example.test', true, 'tc-admin'],
      ['slack', 'https://hooks.example.test/services/T1/B1', false, 'tc-admin'],
    ]);
    // The webhook's digest on, then the email channel removed.
    const digest = c.querySelector(
      '[aria-label="Digest for https://hooks.example.test/services/T1/B1"]',
    ) as HTMLInputElement;
    await act(async () => digest.click());
    await settle(() => expect(c.querySelector('output')?.textContent).toContain('digest'));
    await act(async () => button(c, 'Remove team@example.test').click());
    await settle(() => expect(c.querySelectorAll('tbody tr')).toHaveLength(1));
    expect((await stored()).map((x) => [x.kind, x.target, x.digest])).toEqual([
      ['slack', 'https://hooks.example.test/services/T1/B1', true],
    ]);
  });
});
