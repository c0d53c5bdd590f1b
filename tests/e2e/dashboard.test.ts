import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recommend } from '../../lib/shared/policy/recommendation';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import type { GovItem } from '../../lib/shared/schema/governance';
import { writeHistory } from '../../server/service/governance';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, startE2eServer } from './helpers/server';

const WF = 'outbound-email';
const DAY = 86_400_000;

/** Three weeks of reviewed drafts from a slightly over-confident model, plus one rubber-stamping reviewer. */
function history(): GovItem[] {
  const accuracy = (c: number) => Math.min(1, 0.02 + 0.985 * c);
  const items = syntheticItems({
    n: 3000,
    seed: 2026,
    accuracy,
    start: new Date(Date.now() - 21 * DAY).toISOString(),
    days: 20,
    reviewers: ['ana', 'ben'],
    outcomeRate: 0.05,
  });
  const stamp = syntheticItems({
    n: 120,
    seed: 7,
    start: new Date(Date.now() - 10 * DAY).toISOString(),
    days: 9,
    reviewers: ['quick-sam'],
  });
  for (const it of stamp) {
    it.decisions = [{ ...it.decisions[0]!, action: 'approve', dwellMs: 1_200, changed: undefined }];
    it.status = 'approved';
    it.outcomes = [];
  }
  return [...items, ...stamp];
}

describe('governance dashboard', () => {
  let server: E2eServer;
  let ext: LaunchedExtension;
  let lead = '';
  const items = history();

  beforeAll(async () => {
    server = await startE2eServer();
    await writeHistory(server.running().store, items);
    ext = await launchExtension();
    lead = await server.token('admin', { user: 'lead', name: 'Team Lead' });
    await connectExtension(ext, { url: server.url, token: lead });
  });
  afterAll(async () => {
    await ext?.close();
    await server?.close();
  });

  it('shows metrics, the reliability diagram, the recommendation, reviewers and trends as real charts', async () => {
    const page = await ext.context.newPage();
    await page.goto(ext.url('dashboard.html'));
    await page.getByRole('heading', { name: 'Countersign governance' }).waitFor();
    await page.getByRole('heading', { name: 'Metrics' }).waitFor({ timeout: 15_000 });

    const metrics = page.getByRole('list', { name: 'Metrics' });
    await metrics.getByText('Override rate').waitFor();
    await metrics.getByText(/healthy 5–20% band/).waitFor();

    // Reliability diagram: an SVG with a dot per populated bin and the ECE.
    const diagram = page.getByRole('img', { name: 'Reliability diagram' });
    await diagram.waitFor();
    expect(
      await page.locator('[data-testid="reliability-diagram"] [data-testid="calibration-bin"] circle').count(),
    ).toBeGreaterThanOrEqual(4);
    await page.getByText(/^ECE/).waitFor();

    // The recommendation matches what the policy code says for the same history.
    const expected = recommend(items, { target: 0.02 });
    expect(expected.autoThreshold).not.toBeNull();
    const rec = page.getByTestId('recommendation');
    await rec
      .getByText(`${Math.round(expected.autoThreshold! * 100)}%`, { exact: true })
      .first()
      .waitFor();

    // Reviewer table with the rubber stamp flagged.
    const table = page.getByRole('table', { name: 'Reviewers' });
    const stampRow = table.getByRole('row').filter({ hasText: 'quick-sam' });
    await stampRow.getByText('Too-fast approvals').waitFor();
    await stampRow.getByText('Near-100% approval').waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'ana' }).getByText('Too-fast approvals').count()).toBe(0);

    // Breakdown by model version, and calibration filtered to one.
    await page.getByRole('table', { name: 'By Model version' }).getByRole('row').filter({ hasText: 'm1' }).waitFor();
    await page.getByRole('combobox', { name: 'Model version' }).selectOption('m1');
    await page.getByText(/^ECE/).waitFor();

    // Feedback export: a JSONL download, one decision a line.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export feedback (JSONL)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`feedback-${WF}.jsonl`);
    const text = readFileSync((await download.path())!, 'utf8');
    const first = JSON.parse(text.split('\n')[0]!) as { action: string; confidence: number; original: unknown };
    expect(first.action).toMatch(/approve|edit|reject/);
    expect(typeof first.confidence).toBe('number');
    expect(text.trim().split('\n').length).toBeGreaterThan(2000);

    // Trends.
    await page.getByRole('img', { name: 'Trends over time' }).waitFor();
    expect(await page.locator('[data-testid="trend-chart"] rect.vol').count()).toBeGreaterThan(15);
    await page.close();
  });

  it('the simulator responds to the sliders, and the recommendation and graduation can be applied', async () => {
    const page = await ext.context.newPage();
    await page.goto(ext.url('dashboard.html'));
    const sim = page.getByTestId('simulation');
    await sim.waitFor({ timeout: 15_000 });
    const autoRate = async () =>
      (await sim.locator('div', { hasText: 'Auto-approved' }).locator('dd').innerText()).trim();

    // Default policy: auto at 98%.
    await page.getByTestId('auto-value').getByText('98%').waitFor();
    const at98 = await autoRate();
    await page.getByRole('slider', { name: /^Auto threshold/ }).fill('0.9');
    await page.getByTestId('auto-value').getByText('90%').waitFor();
    await waitFor(async () => (await autoRate()) !== at98, { message: 'simulation did not update' });
    const at90 = Number.parseFloat(await autoRate());
    expect(at90).toBeGreaterThan(Number.parseFloat(at98));
    expect(await page.locator('[data-testid="threshold-curve"] path.line.auto').getAttribute('d')).toMatch(/^M/);

    // "Use recommendation" moves the slider to the recommended threshold.
    const expected = recommend(items, { target: 0.02 });
    await page.getByRole('button', { name: 'Use recommendation' }).click();
    await page
      .getByTestId('auto-value')
      .getByText(`${Math.round(expected.autoThreshold! * 100)}%`)
      .waitFor();

    // Apply it: the workflow's policy on the server changes.
    await page.getByRole('button', { name: 'Apply thresholds' }).click();
    await page.getByText(/^Saved: auto/).waitFor();
    await waitFor(async () => {
      const row = await server
        .running()
        .store.db.selectFrom('workflows')
        .select('policy_json')
        .where('workflow', '=', WF)
        .executeTakeFirst();
      return row && Math.abs(JSON.parse(row.policy_json).autoThreshold - expected.autoThreshold!) < 1e-9;
    });

    // Graduation: proposed with its numbers, applied only on the click.
    await page.getByText('Ready to graduate to Review exceptions').waitFor();
    await page.getByRole('button', { name: 'Graduate to Review exceptions' }).click();
    await page.getByTestId('level').getByText('Review exceptions').waitFor();

    // Vigilance controls: a canary share saved to the policy, and the quality checks run on demand.
    await page.getByLabel('Canary share of review queues (%)').fill('5');
    await page.getByRole('button', { name: 'Save canary share' }).click();
    await page.getByText('Canaries now make up 5% of review queues.').waitFor();
    await waitFor(async () => {
      const row = await server
        .running()
        .store.db.selectFrom('workflows')
        .select('policy_json')
        .where('workflow', '=', WF)
        .executeTakeFirst();
      return row && JSON.parse(row.policy_json).canaryRate === 0.05;
    });
    await page.getByRole('button', { name: 'Run quality checks now' }).click();
    await page.getByText('Checked: no change needed.').waitFor();
    await page.close();
  });

  it('an admin chosen as a calibration judge judges on the dashboard; the session table counts it', async () => {
    await server.token('reviewer', { user: 'ana' });
    const created = await fetch(`${server.url}/v1/calibration-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lead}`, 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: WF, name: 'Lead judges', reviewers: ['lead', 'ana'], sample: { size: 2 } }),
    });
    expect(created.status).toBe(200);
    const page = await ext.context.newPage();
    await page.goto(ext.url('dashboard.html'));
    await page.getByRole('heading', { name: 'Calibration sessions to judge' }).waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Judge Lead judges' }).click();
    const form = page.getByRole('form', { name: 'Judging Lead judges' });
    for (const n of [1, 2])
      await form
        .getByRole('group', { name: `Your verdict on draft ${n}` })
        .getByLabel('Approve')
        .check();
    await form.getByRole('button', { name: 'Save judgements' }).click();
    await page.getByText('Saved. You have judged 2 of 2 drafts.').waitFor();
    await page
      .getByRole('table', { name: 'Calibration sessions' })
      .getByRole('row')
      .filter({ hasText: 'Lead judges' })
      .getByText('ana 0/2, lead 2/2')
      .waitFor();
    await page.close();
  });
});
