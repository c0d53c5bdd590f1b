import { beforeAll, describe, expect, it } from 'vitest';
import { AlertsSection } from '../../components/dashboard/AlertsSection';
import { alertLimitsFromEnv, checkAlerts } from '../../server/service/alerts';
import { draftIn } from '../api/fixtures';
import { dashboardApp, settle } from './dashboard-app';

// The dashboard's Alerts section against the real server app (in process, SQLite): an escalation
// surge built from real drafts, raised by the alert check, shown open with its sentence.

const app = dashboardApp('dash-admin');

beforeAll(async () => {
  const { s } = app;
  await s.token('specialist', { user: 'lena', specialty: 'legal' });
  const pipe = await s.token('pipeline');
  await s.api('/v1/drafts', {
    token: pipe,
    body: { drafts: Array.from({ length: 4 }, (_, i) => draftIn({ flags: ['legal'], externalId: `al-${i}` })) },
  });
});

describe('Alerts (dashboard)', () => {
  it('shows an open escalation surge in words', async () => {
    await checkAlerts(app.s.store, new Date(), { ...alertLimitsFromEnv(), escalationsPerHour: 3 });
    const c = app.mount(<AlertsSection client={app.s.client(app.admin)} />).container;
    await settle(() => c.querySelector('[aria-label="Open alerts"] li') !== null);
    expect(c.querySelector('[aria-label="Open alerts"] li')!.textContent).toMatch(
      /^Escalation surge since \d{4}-\d\d-\d\d \d\d:\d\d UTC: Escalation surge into specialist:legal: 4 escalations in the last hour \(more than 3 an hour\); batched into this one alert\.$/,
    );
  });
});
