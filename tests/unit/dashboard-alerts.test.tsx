import { act } from 'react';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertsSection } from '../../components/dashboard/AlertsSection';
import { alertLimitsFromEnv, checkAlerts } from '../../server/service/alerts';
import { draftIn } from '../api/fixtures';
import { startTestApp, type TestApi } from '../helpers/server';
import { type Mounted, mount } from './panel-helpers';

// The dashboard's Alerts section against the real server app (in process, SQLite): an escalation
// surge built from real drafts, raised by the alert check, shown open with its sentence.

let s: TestApi;
let admin: string;
let mounted: Mounted | null = null;

beforeAll(async () => {
  s = await startTestApp('sqlite');
  admin = await s.token('admin', { user: 'dash-admin' });
  await s.token('specialist', { user: 'lena', specialty: 'legal' });
  const pipe = await s.token('pipeline');
  await s.api('/v1/drafts', {
    token: pipe,
    body: { drafts: Array.from({ length: 4 }, (_, i) => draftIn({ flags: ['legal'], externalId: `al-${i}` })) },
  });
});
afterAll(async () => {
  mounted?.unmount();
  await s?.close();
});

describe('Alerts (dashboard)', () => {
  it('shows an open escalation surge in words', async () => {
    await checkAlerts(s.store, new Date(), { ...alertLimitsFromEnv(), escalationsPerHour: 3 });
    mounted = mount(<AlertsSection client={s.client(admin)} />);
    const c = mounted.container;
    await vi.waitFor(
      async () => {
        await act(async () => {});
        expect(c.querySelector('[aria-label="Open alerts"] li')).not.toBeNull();
      },
      { timeout: 5000 },
    );
    expect(c.querySelector('[aria-label="Open alerts"] li')!.textContent).toMatch(
      /^Escalation surge since \d{4}-\d\d-\d\d \d\d:\d\d UTC: Escalation surge into specialist:legal: 4 escalations in the last hour \(more than 3 an hour\); batched into this one alert\.$/,
    );
  });
});
