import { act } from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { PolicyControls } from '../../components/dashboard/PolicyControls';
import { dashboardApp, settle } from './dashboard-app';
import { button, type } from './panel-helpers';

// The dashboard's "People's approvals sampled for audit" setting (issue 16 §4) against the real
// server app: saved through PUT /v1/workflows/{workflow}, read back through the dashboard's list.

const WF = 'policy.audit';
const app = dashboardApp('pa-admin');

beforeAll(async () => {
  await app.s.api(`/v1/workflows/${WF}`, { method: 'PUT', token: app.admin, body: { canaryRate: 0 } });
});

describe('Policy controls: audit share of approvals', () => {
  it('saves the share and shows the stored one', async () => {
    const client = app.s.client(app.admin);
    const summary = async () => (await client.call('governanceWorkflows')).workflows.find((w) => w.workflow === WF)!;
    const policy = await summary();
    expect(policy.approvalAuditRate).toBe(0);
    const save = async (patch: Record<string, unknown>) => {
      await client.call('putWorkflow', { params: { workflow: WF }, body: patch });
    };
    const c = app.mount(
      <PolicyControls
        policy={policy}
        save={save}
        evaluate={async () => ({ applied: [] }) as never}
        plantCanaries={async () => 0}
      />,
    ).container;
    const label = [...c.querySelectorAll('label')].find(
      (l) => l.textContent === "People's approvals sampled for audit (%)",
    )!;
    const input = c.querySelector(`#${CSS.escape(label.htmlFor)}`) as HTMLInputElement;
    expect(input.value).toBe('0');
    type(input, '7.5');
    await act(async () => button(c, 'Save audit share').click());
    await settle(() => c.querySelector('output')!.textContent!.includes('7.5% of people'));
    expect((await summary()).approvalAuditRate).toBe(0.075);
    type(input, '120');
    await act(async () => button(c, 'Save audit share').click());
    // Out of range: the form does not submit (the input's own max, else the handler's check).
    expect(c.querySelector('output')!.textContent).not.toContain('120');
    expect((await summary()).approvalAuditRate).toBe(0.075);

    // The canary share, the same kind of setting beside it: whole percents, at most 50.
    const canaryLabel = [...c.querySelectorAll('label')].find(
      (l) => l.textContent === 'Canary share of review queues (%)',
    )!;
    const canary = c.querySelector(`#${CSS.escape(canaryLabel.htmlFor)}`) as HTMLInputElement;
    expect(canary.value).toBe('0');
    type(canary, '5');
    await act(async () => button(c, 'Save canary share').click());
    await settle(() => c.querySelector('output')!.textContent === 'Canaries now make up 5% of review queues.');
    expect(await summary()).toMatchObject({ canaryRate: 0.05, approvalAuditRate: 0.075 });
    type(canary, '60');
    await act(async () => button(c, 'Save canary share').click());
    expect(c.querySelector('output')!.textContent).not.toContain('60%');
    expect((await summary()).canaryRate).toBe(0.05);
  });
});
