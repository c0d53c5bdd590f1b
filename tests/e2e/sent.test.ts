/**
 * Issue 18, "what was really sent", in real Chromium with the production build and the real server:
 * approve → the text goes into the compose / record → the person changes it in the page → Send / Save
 * → the server's `sent` holds what the page held, with `editedInPage: true`. Also: an edit made in
 * the page before approving, and an approval with no compose open says why in words.
 */
import type { Locator, Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DraftIn } from '../../lib/shared/schema';
import { type FixtureSite, routeFixture } from '../../server/demo/pages';
import { connectExtension, type LaunchedExtension, launchExtension, waitFor } from './helpers/extension';
import { type E2eServer, emailDraft, startE2eServer } from './helpers/server';

const ANA = { email: 'ana@acme.example', name: 'Ana Lopez' };
const SF_ANA = '003Hs00004AnaLoAAA';

let server: E2eServer;
let ext: LaunchedExtension;
let admin: string;

beforeEach(async () => {
  server = await startE2eServer();
  admin = await server.token('admin');
});
afterEach(async () => {
  await ext?.close();
  await server?.close();
});

type Fx = {
  __fixture: {
    openCompose(o: unknown): string;
    setEditing(b: boolean): void;
    openTab(t: string): void;
    edit(): void;
  };
  __fixtureState: Record<string, unknown>;
};

async function open(site: FixtureSite, drafts: DraftIn[]) {
  const ids = await server.submit(drafts);
  ext = await launchExtension();
  const token = await server.token('reviewer', { user: 'sam', name: 'Sam Seller' });
  const options = await connectExtension(ext, { url: server.url, token });
  const url = await routeFixture(ext.context, site);
  const page = await ext.context.newPage();
  await page.goto(url);
  await options.close();
  const panel = page.getByRole('complementary', { name: 'Countersign' });
  await panel.waitFor({ timeout: 15_000 });
  await waitFor(async () => (await panel.getByRole('article').count()) >= drafts.length, {
    timeout: 20_000,
    message: 'drafts in the panel',
  });
  return { ids, page, panel };
}

interface SentOut {
  status: string;
  sent?: { content: Record<string, unknown>; editedInPage: boolean; diff?: string; how?: string };
}

/** The draft as the pipeline reads it, once `sent` is there (the approval waits out its undo window first). */
async function sentOf(id: string): Promise<NonNullable<SentOut['sent']>> {
  const d = await waitFor(
    async () => {
      const r = await fetch(`${server.url}/v1/drafts/${id}`, { headers: { authorization: `Bearer ${admin}` } });
      const body = (await r.json()) as SentOut;
      return body.sent ? body : null;
    },
    { timeout: 45_000, interval: 250, message: 'sent on the server' },
  );
  return d.sent!;
}

async function approveFirst(panel: Locator) {
  await panel.getByRole('article').first().getByRole('button', { name: 'Approve', exact: true }).click();
}

/** Puts the caret at the end of a contenteditable/input and types like a person. */
async function typeAtEnd(page: Page, editor: Locator, text: string) {
  // Near its top-left corner: the panel (docked on the right) may cover the rest of a wide compose.
  await editor.click({ position: { x: 8, y: 8 } });
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

describe('what was really sent', () => {
  it('Gmail: approve → type in the compose → Send: `sent` holds the typed text, editedInPage', async () => {
    const { ids, page, panel } = await open('gmail', [
      emailDraft(1, {
        target: { site: 'gmail', email: ANA.email, name: ANA.name },
        content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nThe plan is attached.\n\nSam' },
      }),
    ]);
    const cid = await page.evaluate((to) => (window as unknown as Fx).__fixture.openCompose({ to: [to] }), ANA);
    await approveFirst(panel);
    const body = page.locator(`[role=dialog][data-compose-id="${cid}"] [g_editable="true"]`);
    await waitFor(async () => (await body.innerText()).includes('The plan is attached.'), { message: 'inserted' });
    await typeAtEnd(page, body, '\nPS: see page 2.');
    const t0 = Date.now();
    await page.locator(`[role=dialog][data-compose-id="${cid}"] [role=button][data-tooltip^="Send"]`).click();
    // The page's own send went through with the text (capture adds nothing the page can see).
    const sentByPage = await page.evaluate(
      () => (window as unknown as Fx).__fixtureState.sent as Array<{ body: string }>,
    );
    expect(sentByPage[0]?.body).toContain('PS: see page 2.');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const sent = await sentOf(ids[0]!);
    expect(sent.editedInPage).toBe(true);
    expect(sent.how).toBe('sent');
    expect(sent.content.subject).toBe('Rollout plan');
    expect(sent.content.body).toContain('The plan is attached.');
    expect(sent.content.body).toContain('PS: see page 2.');
    expect(sent.diff).toContain('+PS: see page 2.');
  });

  it('Gmail: an edit made in the page before approving is picked up, nothing is inserted twice; Ctrl+Enter sends', async () => {
    const { ids, page, panel } = await open('gmail', [
      emailDraft(2, {
        target: { site: 'gmail', email: ANA.email, name: ANA.name },
        content: { subject: 'Rollout plan', body: 'Hi Ana, the rollout plan is attached for your review. Best, Sam' },
      }),
    ]);
    const cid = await page.evaluate((to) => (window as unknown as Fx).__fixture.openCompose({ to: [to] }), ANA);
    const body = page.locator(`[role=dialog][data-compose-id="${cid}"] [g_editable="true"]`);
    // The person wrote their own version of the draft into the compose first.
    await typeAtEnd(page, body, 'Hi Ana, the updated rollout plan is attached for your review. Best, Sam');
    await approveFirst(panel);
    await panel.getByText(/already there, with your changes/).waitFor({ timeout: 10_000 });
    expect(await body.innerText()).toBe('Hi Ana, the updated rollout plan is attached for your review. Best, Sam');
    await body.click({ position: { x: 8, y: 8 } });
    await page.keyboard.press('Control+Enter');
    const sent = await sentOf(ids[0]!);
    expect(sent.editedInPage).toBe(true);
    expect(sent.content.body).toBe('Hi Ana, the updated rollout plan is attached for your review. Best, Sam');
    const d = (
      await (
        await fetch(`${server.url}/v1/export/feedback.jsonl`, { headers: { authorization: `Bearer ${admin}` } })
      ).text()
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { draftId: string; label: string });
    expect(d.find((l) => l.draftId === ids[0])?.label).toBe('corrected');
  });

  it('Outlook: approve → type → Send', async () => {
    const { ids, page, panel } = await open('outlook', [
      emailDraft(3, {
        target: { site: 'outlook', email: ANA.email, name: ANA.name },
        content: { subject: 'Rollout plan', body: 'Hi Ana,\n\nThe plan is attached.\n\nSam' },
      }),
    ]);
    const cid = await page.evaluate((to) => (window as unknown as Fx).__fixture.openCompose({ to: [to] }), ANA);
    await approveFirst(panel);
    const body = page.locator(`[data-compose-id="${cid}"][aria-label="Message body"]`);
    await waitFor(async () => (await body.innerText()).includes('The plan is attached.'), { message: 'inserted' });
    await typeAtEnd(page, body, ' Typed in Outlook.');
    await page.locator(`.compose[data-compose-id="${cid}"] button[aria-label="Send"]`).click();
    const sent = await sentOf(ids[0]!);
    expect(sent.editedInPage).toBe(true);
    expect(sent.content.body).toContain('Typed in Outlook.');
  });

  it('HubSpot: composer Send and record Save both report what the page held', async () => {
    const email = emailDraft(4, {
      target: { site: 'hubspot', email: ANA.email, name: ANA.name, recordType: '0-1', recordId: '501' },
      content: { subject: 'Rollout plan', body: 'Hi Ana, the plan is attached.' },
    });
    const fields = {
      ...emailDraft(5),
      kind: 'crm_update',
      target: { site: 'hubspot', recordType: '0-1', recordId: '501', name: ANA.name },
      content: { fields: [{ name: 'jobtitle', label: 'Job title', value: 'COO', previous: 'VP Operations' }] },
    } as DraftIn;
    const { ids, page, panel } = await open('hubspot', [email, fields]);
    // Record fields first: edit mode, approve the update, change it in the page, Save.
    await page.evaluate(() => (window as unknown as Fx).__fixture.setEditing(true));
    const input = page.locator('[data-selenium-test="property-input-jobtitle"]');
    await input.waitFor();
    const card = panel.getByRole('article').filter({ hasText: 'Job title' });
    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await waitFor(async () => (await input.inputValue()) === 'COO', { message: 'field set' });
    await input.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' & Co-founder');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const saved = await sentOf(ids[1]!);
    expect(saved.how).toBe('saved');
    expect(saved.editedInPage).toBe(true);
    expect((saved.content.fields as Array<{ value: string }>)[0]!.value).toBe('COO & Co-founder');

    // Then the email composer (Draft.js): approve, type, Send.
    await page.evaluate(() => (window as unknown as Fx).__fixture.openTab('email'));
    const emailCard = panel.getByRole('article').filter({ hasText: 'Rollout plan' });
    await emailCard.getByRole('button', { name: 'Approve', exact: true }).click();
    const editor = page.locator('[data-test-id="email-composer"] .public-DraftEditor-content');
    await waitFor(async () => (await editor.innerText()).includes('the plan is attached'), { message: 'inserted' });
    await typeAtEnd(page, editor, ' Call me?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    if (process.env.DEBUG_SENT) {
      await new Promise((r) => setTimeout(r, 15_000));
      const db = server.running().store.db;
      console.log(
        'AFTER SEND',
        JSON.stringify(await db.selectFrom('page_reports').select(['kind', 'end_kind', 'draft_id']).execute()),
      );
      console.log(JSON.stringify(await page.evaluate(() => (window as unknown as Fx).__fixtureState.sentEmails)));
    }
    const sent = await sentOf(ids[0]!);
    expect(sent.editedInPage).toBe(true);
    expect(sent.content.body).toContain('Call me?');
  }, 120_000);

  it('Salesforce: approve → change the Lightning field → Save', async () => {
    const draft = {
      ...emailDraft(6),
      kind: 'crm_update',
      target: { site: 'salesforce', recordType: 'Contact', recordId: SF_ANA.slice(0, 15), name: ANA.name },
      content: { fields: [{ name: 'Title', label: 'Title', value: 'Chief Operating Officer' }] },
    } as DraftIn;
    const { ids, page, panel } = await open('salesforce', [draft]);
    await page.evaluate(() => (window as unknown as Fx).__fixture.edit());
    await approveFirst(panel);
    const field = page.locator(`[data-record-id="${SF_ANA}"] [data-field="Title"] input`);
    await waitFor(async () => (await field.inputValue()) === 'Chief Operating Officer', { message: 'field set' });
    await field.click();
    await page.keyboard.press('End');
    await page.keyboard.type(', EMEA');
    await page
      .locator(`[data-record-id="${SF_ANA}"] .slds-docked-form-footer`)
      .getByRole('button', { name: 'Save', exact: true })
      .click();
    const sent = await sentOf(ids[0]!);
    expect(sent.how).toBe('saved');
    expect(sent.editedInPage).toBe(true);
    expect((sent.content.fields as Array<{ value: string }>)[0]!.value).toBe('Chief Operating Officer, EMEA');
  });

  it('no compose for the person: the card says so in words, offers Copy; the server counts it as not reached', async () => {
    const { ids, panel } = await open('gmail', [
      emailDraft(7, {
        target: { site: 'gmail', email: 'jonas@berg.example', name: 'Jonas Berg' },
        content: { subject: 'Hello', body: 'Hi Jonas' },
      }),
    ]);
    await approveFirst(panel);
    await panel.getByText('No compose window to Jonas Berg is open: open one, or copy the text.').waitFor();
    await panel.getByRole('button', { name: 'Copy text' }).waitFor();
    await panel.getByRole('button', { name: 'Open a compose window' }).waitFor();
    const health = await waitFor(
      async () => {
        const r = await fetch(`${server.url}/v1/page-health`, { headers: { authorization: `Bearer ${admin}` } });
        const h = (await r.json()) as { approvals: { notReached: number; total: number } };
        return h.approvals.notReached === 1 ? h : null;
      },
      { timeout: 45_000, interval: 500, message: 'not reached counted' },
    );
    expect(health.approvals.total).toBe(1);
    expect(ids).toHaveLength(1);
  });
});
