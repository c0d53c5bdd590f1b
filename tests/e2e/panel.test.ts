/**
 * The review panel in real Chromium: the production build of the extension, the real review server,
 * fixture pages served at the real site URLs (issue 4 tests). The panel is found as a person's
 * assistive technology finds it: the complementary landmark "Countersign" in an open shadow root.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Locator } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { routeFixture } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez' };
const THREAD = 'thread-f:1780000000000000001';

let server: E2eServer;
let ext: LaunchedExtension;

beforeEach(async () => {
  server = await startE2eServer();
});
afterEach(async () => {
  await ext?.close();
  await server?.close();
});

type Win = Window & {
  __fixtureState: {
    composes: Record<string, { subject: string; body: string; savedBody: string | null; savedSubject: string | null }>;
  };
  __fixture: { openCompose(o: { to?: { email: string; name: string }[] }): string };
  __pageKeys?: string[];
  __pwned?: number;
};

/** The server's stored decisions for a draft. */
async function decisionsFor(draftId: string) {
  return server
    .running()
    .store.db.selectFrom('decisions')
    .selectAll()
    .where('draft_id', '=', draftId)
    .execute() as Promise<Array<Record<string, unknown>>>;
}

async function openGmail(drafts: DraftIn[], role: 'reviewer' | 'owner' = 'reviewer', user = 'sam') {
  const ids = await server.submit(drafts);
  ext = await launchExtension();
  const token = await server.token(role, { user, name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token });
  const url = await routeFixture(ext.context, 'gmail');
  const page = await ext.context.newPage();
  // Count keys that reach the page (Gmail's shortcuts listen on the document).
  await page.addInitScript(() => {
    const w = window as unknown as Win;
    w.__pageKeys = [];
    document.addEventListener('keydown', (e) => w.__pageKeys!.push(e.key));
  });
  await page.goto(url);
  await options.close();
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  await panel.waitFor({ timeout: 15_000 });
  await waitFor(async () => (await panel.getByRole('article').count()) > 0, {
    timeout: 20_000,
    message: 'drafts in the panel',
  });
  return { ids, page, panel };
}

const card = (panel: Locator, text: string) => panel.getByRole('article').filter({ hasText: text });

async function waitForDecision(draftId: string, timeout = 25_000) {
  return waitFor(async () => (await decisionsFor(draftId))[0], { timeout, message: `decision for ${draftId}` });
}

describe('review panel (Gmail fixture, real server)', () => {
  it('shows the draft for the thread first and Approve puts it into the compose, registered by the page', async () => {
    const drafts = [
      emailDraft(1),
      emailDraft(2, {
        target: { site: 'gmail', email: ANA.email, name: ANA.name, company: 'Acme', threadId: THREAD },
        content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nHere is the rollout plan.\n\nBest,\nSam' },
        confidence: 0.82,
        rationale: 'Ana asked for the plan before Thursday.',
        evidence: [
          {
            label: 'Thread',
            snippet: 'could you send over the rollout plan',
            url: 'https://mail.google.com/x',
            source: 'Gmail',
          },
        ],
      }),
      emailDraft(3),
    ];
    const { ids, page, panel } = await openGmail(drafts);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('Ana Lopez'), { message: 'Ana first' });
    const text = (await first.textContent())!;
    expect(text).toContain('82%');
    expect(text).toContain('Ana asked for the plan before Thursday.');
    expect(text).toContain('Source: Gmail');
    expect(text).toContain('For this page');

    const composeId = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), ANA);
    await page.bringToFront(); // the person's window has focus
    await page.waitForTimeout(600); // the person reads the card: dwell time
    await first.getByRole('button', { name: 'Approve', exact: true }).click();
    await panel.getByText(/put into Gmail/).waitFor();
    const state = await waitFor(
      () =>
        page.evaluate((id) => {
          const c = (window as unknown as Win).__fixtureState.composes[id];
          return c?.savedBody?.includes('Here is the rollout plan.') ? c : null;
        }, composeId),
      { message: 'compose autosaved the body' },
    );
    expect(state.subject).toBe('Rollout plan');
    expect(state.savedBody).toContain('Best,');

    // Not sent during the undo window; sent after it, with the dwell time.
    expect(await decisionsFor(ids[1]!)).toEqual([]);
    const dec = await waitForDecision(ids[1]!);
    expect(dec.action).toBe('approve');
    // Dwell: the card was current, in view and the page focused for at least the 600 ms above.
    expect(Number(dec.dwell_ms)).toBeGreaterThanOrEqual(500);
  });

  it('Undo after Approve takes the text back out of the compose it was put into', async () => {
    const mine = emailDraft(2, {
      target: { site: 'gmail', email: ANA.email, name: ANA.name, threadId: THREAD },
      content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nHere is the rollout plan.' },
    });
    const { ids, page, panel } = await openGmail([mine, emailDraft(3)]);
    const composeId = await page.evaluate((to) => (window as unknown as Win).__fixture.openCompose({ to: [to] }), ANA);
    const compose = () => page.evaluate((id) => (window as unknown as Win).__fixtureState.composes[id]!, composeId);
    await card(panel, 'Ana Lopez').getByRole('button', { name: 'Approve', exact: true }).click();
    await waitFor(async () => (await compose()).body.includes('rollout plan'), { message: 'text in the compose' });
    await panel.getByRole('button', { name: 'Undo' }).click();
    await waitFor(
      async () => {
        const c = await compose();
        return c.subject === '' && c.body.trim() === '';
      },
      { message: 'compose emptied again' },
    );
    await card(panel, 'Ana Lopez').waitFor();
    // Past the undo window and the worker's hold (HOLD_MARGIN_MS): the undone decision never leaves.
    await page.waitForTimeout(16_000);
    expect(await decisionsFor(ids[0]!)).toEqual([]);
  });

  it('edit, reject with undo, and escalate flows reach the server as decided', async () => {
    const drafts = [0, 1, 2].map((i) =>
      emailDraft(i, { target: { site: 'gmail', email: `lead${i}@acme.test`, name: `Lead ${i}` } }),
    );
    const { ids, panel } = await openGmail(drafts);

    // Edit: "Draft body", a live diff, a reason required, "Save and approve".
    const c0 = card(panel, 'Lead 0');
    await c0.getByRole('button', { name: 'Edit', exact: true }).click();
    const body = c0.getByRole('textbox', { name: 'Draft body' });
    await body.fill('Hi Lead 0,\n\nA better note.');
    await c0.getByText('better').first().waitFor();
    await c0.getByRole('button', { name: 'Save and approve' }).click();
    await c0.getByRole('alert').waitFor();
    await c0.getByRole('checkbox', { name: 'Tone or style' }).check();
    await c0.getByRole('button', { name: 'Save and approve' }).click();
    // The target is not on the page: it says so in words and offers Copy.
    await panel.getByText(/No compose window to Lead 0 is open: open one, or copy the text/).waitFor();
    await panel.getByRole('button', { name: 'Copy text' }).waitFor();

    // Reject, then Undo: the card comes back and nothing is sent.
    const c1 = card(panel, 'Lead 1');
    await c1.getByRole('button', { name: 'Reject', exact: true }).click();
    await c1.getByRole('checkbox', { name: 'Wrong or outdated facts' }).check();
    await c1.getByRole('button', { name: 'Confirm reject' }).click();
    await waitFor(async () => (await card(panel, 'Lead 1').count()) === 0);
    await panel.getByRole('button', { name: 'Undo' }).click();
    await card(panel, 'Lead 1').waitFor();
    await card(panel, 'Lead 1').getByRole('button', { name: 'Reject', exact: true }).click();
    await card(panel, 'Lead 1').getByRole('checkbox', { name: 'Bad timing' }).check();
    await card(panel, 'Lead 1').getByRole('textbox', { name: 'Note (optional)' }).fill('not now');
    await card(panel, 'Lead 1').getByRole('button', { name: 'Confirm reject' }).click();

    // Escalate to the pricing specialist with a note.
    const c2 = card(panel, 'Lead 2');
    await c2.getByRole('button', { name: 'Escalate', exact: true }).click();
    await c2.getByRole('radio', { name: 'Pricing specialist' }).check();
    await c2.getByRole('textbox', { name: 'Note for them' }).fill('discount asked');
    await c2.getByRole('button', { name: 'Confirm escalate' }).click();

    const edit = await waitForDecision(ids[0]!);
    expect(edit.action).toBe('edit');
    expect(JSON.stringify(edit)).toContain('A better note.');
    const reject = await waitForDecision(ids[1]!);
    expect(reject).toMatchObject({ action: 'reject', note: 'not now' });
    expect(JSON.stringify(reject)).toContain('bad_timing');
    expect((await decisionsFor(ids[1]!)).length).toBe(1); // the undone one never left
    const esc = await waitForDecision(ids[2]!);
    expect(esc).toMatchObject({ action: 'escalate', note: 'discount asked' });
  });

  it('keyboard-only review: j/k/a/r/u/?, keys never reach the page', async () => {
    const drafts = [0, 1, 2, 3].map((i) =>
      emailDraft(i, { target: { site: 'gmail', email: `lead${i}@acme.test`, name: `Lead ${i}` } }),
    );
    const { ids, page, panel } = await openGmail(drafts);
    // Into the panel by keyboard: Tab from the page until focus is on the first card.
    await page.locator('body').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const inPanel = await page.evaluate(() => {
        const host = document.querySelector('countersign-panel');
        return !!host && document.activeElement === host && host.shadowRoot?.activeElement?.tagName === 'ARTICLE';
      });
      if (inPanel) break;
    }
    await page.evaluate(() => {
      (window as unknown as Win).__pageKeys = [];
    });
    const current = () => panel.locator('article.cs-current').textContent();
    // The queue is in the server's priority order: read it from the panel.
    const order = await panel.getByRole('heading', { level: 3 }).allTextContents();
    const lead = (i: number) => order[i]!.match(/Lead \d/)![0];
    const idOf = (name: string) => ids[Number(name.slice(5))]!;
    expect(await current()).toContain(lead(0));
    await page.keyboard.press('j');
    await waitFor(async () => (await current())?.includes(lead(1)));
    await page.keyboard.press('k');
    await waitFor(async () => (await current())?.includes(lead(0)));
    await page.keyboard.press('a'); // approve the first → the second is current
    await waitFor(async () => (await current())?.includes(lead(1)));
    await page.keyboard.press('r');
    await panel.getByRole('checkbox', { name: 'Tone or style' }).waitFor();
    await page.keyboard.press('Space'); // the first reason has focus
    await page.keyboard.press('Enter'); // submits the form: Confirm reject
    await waitFor(async () => (await current())?.includes(lead(2)));
    await page.keyboard.press('u'); // takes back the reject
    await waitFor(async () => (await card(panel, lead(1)).count()) === 1);
    await page.keyboard.press('?');
    await panel.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await waitFor(async () => (await panel.getByRole('dialog').count()) === 0);
    expect(await page.evaluate(() => (window as unknown as Win).__pageKeys)).toEqual([]);
    const approved = await waitForDecision(idOf(lead(0)));
    expect(approved.action).toBe('approve');
    expect(await decisionsFor(idOf(lead(1)))).toEqual([]);
  });

  it('an XSS payload in every draft field runs nothing and shows as text; axe finds no violations', async () => {
    const p = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';
    const drafts: DraftIn[] = [
      emailDraft(0, {
        target: { site: 'gmail', email: ANA.email, name: p, company: p, threadId: THREAD, recordType: p },
        account: { name: p, tier: 'standard', dealValue: 5000 },
        content: { subject: p, body: p, to: p },
        rationale: p,
        evidence: [{ label: p, snippet: p, url: `https://evil.example/?${encodeURIComponent(p)}`, source: p }],
        flags: [p.slice(0, 50)],
        segment: p,
        trigger: {
          kind: p,
          occurredAt: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 7200e3).toISOString(),
        },
        model: { name: p, version: p, prompt: p },
      }),
      emailDraft(1),
    ];
    const { page, panel } = await openGmail(drafts);
    const first = panel.getByRole('article').first();
    await waitFor(async () => (await first.textContent())?.includes('onerror'));
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as Win).__pwned)).toBeUndefined();
    const injected = await page.evaluate(() => {
      const root = document.querySelector('countersign-panel')!.shadowRoot!;
      return root.querySelectorAll('img, script:not([src]), svg, iframe').length;
    });
    expect(injected).toBe(0);
    // Gmail's Trusted Types policy saw no HTML sink used (no innerHTML in the content script).
    expect(
      await page.evaluate(
        () => (window as unknown as { __fixtureState: { violations: unknown[] } }).__fixtureState.violations,
      ),
    ).toEqual([]);

    const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axeSource);
    const axeRun = () =>
      page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> };
          }
        ).axe;
        const res = await axe.run({ include: [['countersign-panel']] }, { resultTypes: ['violations'] });
        return res.violations.map((v) => ({ id: v.id, nodes: v.nodes.length }));
      });
    expect(await axeRun()).toEqual([]);
    // And with each form and the help open.
    await first.getByRole('button', { name: 'Edit', exact: true }).click();
    await first.getByRole('textbox', { name: 'Draft body' }).fill('changed text');
    await first.getByRole('button', { name: 'Save and approve' }).click(); // shows the reason alert
    expect(await axeRun()).toEqual([]);
    await first.getByRole('button', { name: 'Cancel' }).click();
    await first.getByRole('button', { name: 'Reject', exact: true }).click();
    expect(await axeRun()).toEqual([]);
    await first.getByRole('button', { name: 'Cancel' }).click();
    await first.getByRole('button', { name: 'Escalate', exact: true }).click();
    expect(await axeRun()).toEqual([]);
    await panel.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    expect(await axeRun()).toEqual([]);
  });

  it('batch review: approve-all of a segment with one excluded', async () => {
    const drafts = [0, 1, 2].map((i) =>
      emailDraft(i, {
        segment: 'fintech-q4',
        target: { site: 'gmail', email: `lead${i}@acme.test`, name: `Lead ${i}` },
      }),
    );
    const { ids, page, panel } = await openGmail([...drafts, emailDraft(7)]);
    const batch = panel.getByRole('region', { name: 'Batch: fintech-q4' });
    await batch.getByText('3 of 3 included').waitFor();
    // The list is virtualised and drafts of equal priority come in any order, so Lead 1's card may be
    // below the rendered rows: move to it with `j`, as a person would, before excluding it.
    await panel.getByRole('article').first().focus();
    const current = panel.locator('article.cs-current');
    for (let i = 0; i < 4 && !(await current.textContent())?.includes('Lead 1'); i++) await page.keyboard.press('j');
    await card(panel, 'Lead 1').getByRole('checkbox', { name: 'In batch' }).uncheck();
    await batch.getByRole('button', { name: 'Approve all 2' }).click();
    await waitFor(
      async () => (await decisionsFor(ids[0]!)).length === 1 && (await decisionsFor(ids[2]!)).length === 1,
      {
        timeout: 25_000,
      },
    );
    expect(await decisionsFor(ids[1]!)).toEqual([]);
    await card(panel, 'Lead 1').waitFor();
  });

  it('sizes ignore the page’s root font size; collapse and side are remembered across reloads', async () => {
    const { page, panel } = await openGmail([emailDraft(0), emailDraft(1)]);
    await page.evaluate(() => {
      document.documentElement.style.fontSize = '40px';
      document.body.style.font = 'italic 30px serif';
    });
    const box = await panel.evaluate((el) => {
      const cs = getComputedStyle(el);
      return { width: el.getBoundingClientRect().width, font: cs.fontSize, style: cs.fontStyle };
    });
    expect(box).toEqual({ width: 380, font: '14px', style: 'normal' });
    await panel.getByRole('button', { name: 'Move panel to the left' }).click();
    await panel.getByRole('button', { name: 'Collapse' }).click();
    await panel.getByRole('button', { name: /Countersign/ }).waitFor();
    await page.waitForTimeout(200); // the placement write to extension storage is asynchronous
    await page.reload();
    const again = page.getByRole('complementary', { name: 'Countersign' });
    const tab = again.getByRole('button', { name: /Countersign/ });
    await tab.waitFor();
    expect(await tab.getAttribute('aria-expanded')).toBe('false');
    expect(await again.getByRole('article').count()).toBe(0);
    const left = await again.evaluate((el) => el.getBoundingClientRect().left);
    expect(left).toBeLessThan(100);
    await tab.click();
    await again.getByRole('article').first().waitFor();
  });

  it('not connected: the panel says so instead of showing drafts', async () => {
    ext = await launchExtension();
    const url = await routeFixture(ext.context, 'gmail');
    const page = await ext.context.newPage();
    await page.goto(url);
    const panel = page.getByRole('complementary', { name: 'Countersign' });
    await panel.getByText(/Not connected/).waitFor({ timeout: 15_000 });
    expect(await panel.getByRole('article').count()).toBe(0);
  });
});
