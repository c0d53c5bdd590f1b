/**
 * Site adapters in happy-dom: picking the adapter, URL parsing, context reading and target finding
 * on small DOMs built like the real pages (docs/sites.md). The same adapters run against the full
 * fixture pages with the real editor libraries in real Chromium in tests/e2e/apply-*.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  contextScore,
  generic,
  gmail,
  hubspot,
  outlook,
  pickAdapter,
  salesforce,
  watchContext,
} from '../../lib/page/sites';
import { emailsInText, emailsInTree, isShown, nameFromChip } from '../../lib/page/sites/dom';
import { ownAddress } from '../../lib/page/sites/gmail';
import { parseHubspotPath } from '../../lib/page/sites/hubspot';
import { parseSalesforceUrl, sameSalesforceId } from '../../lib/page/sites/salesforce';
import type { PageContext } from '../../lib/page/sites/types';
import { neutralDraft } from '../helpers/drafts';

type Child = Node | string | null | false | Child[];
function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat(3 as 1) as Child[]) {
    if (c === null || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : (c as Node));
  }
  return el;
}

const draft = neutralDraft;

/** happy-dom's way to move `location` (the adapters read record ids from the URL). */
function setURL(url: string) {
  (window as unknown as { happyDOM: { setURL(u: string): void } }).happyDOM.setURL(url);
}

afterEach(() => {
  document.body.replaceChildren();
  document.head.replaceChildren();
  document.title = '';
});

describe('pickAdapter', () => {
  it.each([
    ['https://mail.google.com/mail/u/0/#inbox', 'gmail'],
    ['https://outlook.office.com/mail/', 'outlook'],
    ['https://outlook.office365.com/mail/', 'outlook'],
    ['https://outlook.live.com/mail/0/', 'outlook'],
    ['https://app.hubspot.com/contacts/1/record/0-1/2', 'hubspot'],
    ['https://app-eu1.hubspot.com/contacts/1/record/0-1/2', 'hubspot'],
    ['https://acme.lightning.force.com/lightning/r/Contact/003000000000001AAA/view', 'salesforce'],
    ['https://acme.my.salesforce.com/003000000000001', 'salesforce'],
    ['https://example.com/', 'other'],
    ['https://mail.google.com.evil.example/', 'other'],
    // Sandbox pages (`npm start`) are read as the site they imitate, on loopback hosts only.
    ['http://127.0.0.1:8787/sandbox/hubspot/contacts/1/record/0-1/2', 'hubspot'],
    ['http://localhost:9000/sandbox/salesforce/lightning/r/Contact/003000000000001AAA/view', 'salesforce'],
    ['http://127.0.0.1:8787/sandbox/gmail/mail/u/0/', 'gmail'],
    ['https://evil.example/sandbox/gmail/', 'other'],
  ])('%s → %s', (url, id) => {
    expect(pickAdapter(new URL(url), document).id).toBe(id);
  });

  it('recognises Outlook on a custom domain by its owamail markers', () => {
    document.head.append(h('link', { rel: 'help', href: 'https://res.cdn.office.net/owamail/2025/' }));
    expect(pickAdapter(new URL('https://mail.contoso.com/owa/'), document).id).toBe('outlook');
  });

  it('generic never claims a target', () => {
    expect(generic.findTargets(document, draft({}))).toBeNull();
    expect(generic.readContext(document)).toEqual({ site: 'other', emails: [], names: [], editable: false });
  });
});

describe('URL parsing', () => {
  it('HubSpot record URLs, new and legacy', () => {
    expect(parseHubspotPath('/contacts/123/record/0-1/456')).toEqual({
      portalId: '123',
      recordType: 'contact',
      recordId: '456',
    });
    expect(parseHubspotPath('/contacts/123/record/0-3/9')).toMatchObject({ recordType: 'deal' });
    expect(parseHubspotPath('/contacts/123/record/2-777/9')).toMatchObject({ recordType: '2-777' });
    expect(parseHubspotPath('/contacts/123/company/77')).toEqual({
      portalId: '123',
      recordType: 'company',
      recordId: '77',
    });
    expect(parseHubspotPath('/reports/123')).toBeNull();
  });

  it('Salesforce record and console URLs, id prefixes, 15/18-character ids', () => {
    expect(
      parseSalesforceUrl(new URL('https://x.lightning.force.com/lightning/r/Contact/003Hs00004AnaLoAAA/view')),
    ).toEqual({
      sobject: 'Contact',
      recordId: '003Hs00004AnaLoAAA',
    });
    expect(parseSalesforceUrl(new URL('https://x.lightning.force.com/lightning/r/00QHs00001CarolAAA/view'))).toEqual({
      sobject: 'Lead',
      recordId: '00QHs00001CarolAAA',
    });
    expect(
      parseSalesforceUrl(new URL('https://x.lightning.force.com/one/one.app#/sObject/006Hs00001OppyyAAA/view')),
    ).toEqual({
      sobject: 'Opportunity',
      recordId: '006Hs00001OppyyAAA',
    });
    expect(sameSalesforceId('003Hs00004AnaLo', '003Hs00004AnaLoAAA')).toBe(true);
    expect(sameSalesforceId('003Hs00004anaLo', '003Hs00004AnaLoAAA')).toBe(false);
  });
});

describe('dom helpers', () => {
  it('finds addresses node by node, never glued across cells', () => {
    const row = h('div', {}, h('span', {}, 'Lopez'), h('span', {}, 'ana@acme.example'), h('span', {}, 'Job'));
    expect(emailsInTree(row)).toEqual(['ana@acme.example']);
    expect(emailsInText('A <Ana@Acme.Example>, b@c.io')).toEqual(['ana@acme.example', 'b@c.io']);
    expect(nameFromChip('Ana Lopez <ana@acme.example>')).toBe('Ana Lopez');
    expect(nameFromChip('ana@acme.example')).toBeUndefined();
  });

  it('treats hidden things as not shown', () => {
    const hidden = h('div', { hidden: '' }, h('input', { id: 'x' }));
    const styled = h('input', { style: 'display:none' });
    document.body.append(hidden, styled, h('input', { id: 'y' }));
    expect(isShown(document.getElementById('x')!)).toBe(false);
    expect(isShown(styled)).toBe(false);
    expect(isShown(document.getElementById('y')!)).toBe(true);
  });
});

describe('Gmail adapter', () => {
  function gmailPage() {
    document.title = 'Inbox (2) - sam@seller.test - Gmail';
    const person = (email: string, name: string) => h('span', { email, name, class: 'gD' }, name);
    const compose = (to: { email: string; name: string }[], body = '') =>
      h(
        'div',
        { role: 'dialog' },
        h(
          'form',
          {},
          h(
            'div',
            { name: 'to' },
            ...to.map((p) => h('span', { 'data-hovercard-id': p.email, 'data-name': p.name }, p.name)),
          ),
          h('input', { name: 'subjectbox' }),
          h('div', { class: 'Ap' }, h('div', { g_editable: 'true', contenteditable: 'true', role: 'textbox' }, body)),
        ),
      );
    document.body.append(
      h(
        'div',
        { role: 'main' },
        h('h2', { class: 'hP', 'data-thread-perm-id': 'thread-f:1', 'data-legacy-thread-id': 'abc' }, 'Subject'),
        h(
          'div',
          { class: 'adn', 'data-message-id': 'm1' },
          h(
            'table',
            {},
            h('tbody', {}, h('tr', {}, h('td', { class: 'gF' }, person('ana@acme.example', 'Ana Lopez')))),
          ),
          h('div', { class: 'hb' }, person('sam@seller.test', 'Sam Seller')),
        ),
      ),
      h('div', { class: 'dw' }, compose([{ email: 'ben@globex.example', name: 'Ben Okafor' }]), compose([])),
    );
  }

  it('reads the thread and open composes, without the person themselves', () => {
    gmailPage();
    expect(ownAddress(document)).toBe('sam@seller.test');
    expect(gmail.readContext(document)).toEqual({
      site: 'gmail',
      emails: ['ana@acme.example', 'ben@globex.example'],
      names: ['Ana Lopez', 'Ben Okafor'],
      threadId: 'thread-f:1',
      editable: true,
    });
  });

  it('targets only the compose addressed to the draft’s recipient', () => {
    gmailPage();
    const forBen = gmail.findTargets(document, draft({ target: { email: 'BEN@globex.example' } }));
    expect(forBen?.map((t) => [t.part, t.element.localName, t.describe])).toEqual([
      ['subject', 'input', 'Gmail subject to ben@globex.example'],
      ['body', 'div', 'Gmail compose to ben@globex.example'],
    ]);
    // `content.to` counts as an addressee too.
    expect(
      gmail.findTargets(document, draft({ content: { subject: 's', body: 'b', to: 'Ben <ben@globex.example>' } })),
    ).toHaveLength(2);
    expect(gmail.findTargets(document, draft({ target: { email: 'ana@acme.example' } }))).toBeNull(); // no compose to Ana
    expect(gmail.findTargets(document, draft({ target: { site: 'outlook', email: 'ben@globex.example' } }))).toBeNull();
    expect(
      gmail.findTargets(
        document,
        draft({ kind: 'note', content: { text: 'x' }, target: { email: 'ben@globex.example' } }),
      ),
    ).toBeNull();
  });
});

describe('Outlook adapter', () => {
  it('reads "Name <email>" chips and targets the compose for the recipient', () => {
    const well = h('div', { contenteditable: 'true' }, h('span', { role: 'button' }, 'Ana Lopez <ana@acme.example>'));
    const body = h('div', { contenteditable: 'true', 'aria-multiline': 'true' });
    document.body.append(
      h(
        'div',
        { role: 'main' },
        h('div', { id: 'docking_InitVisiblePart_0' }, well, h('input', { type: 'text' }), body),
      ),
    );
    expect(outlook.readContext(document)).toMatchObject({
      emails: ['ana@acme.example'],
      names: ['Ana Lopez'],
      editable: true,
    });
    const t = outlook.findTargets(document, draft({ target: { email: 'ana@acme.example' } }));
    expect(t?.map((x) => x.part)).toEqual(['subject', 'body']);
    expect(t?.[1]?.element).toBe(body);
    expect(outlook.findTargets(document, draft({ target: { email: 'zed@z.example' } }))).toBeNull();
  });
});

describe('HubSpot adapter', () => {
  it('matches the record by id and type, and targets only visible edit-mode inputs', () => {
    setURL('https://app.hubspot.com/contacts/1/record/0-1/501');
    const input = h('input', { 'data-selenium-test': 'property-input-jobtitle', value: 'VP' });
    document.body.append(
      h(
        'div',
        { 'data-test-id': 'left-sidebar' },
        h('h1', { 'data-selenium-test': 'highlightTitle' }, 'Ana Lopez'),
        h('span', {}, 'ana@acme.example'),
        input,
        h('div', { hidden: '' }, h('input', { 'data-selenium-test': 'property-input-phone' })),
      ),
    );
    expect(hubspot.readContext(document)).toMatchObject({
      site: 'hubspot',
      recordId: '501',
      recordType: 'contact',
      emails: ['ana@acme.example'],
      names: ['Ana Lopez'],
    });
    const update = (target: Record<string, string>) =>
      draft({
        kind: 'crm_update',
        target,
        content: {
          fields: [
            { name: 'jobtitle', value: 'COO' },
            { name: 'phone', value: '1' },
          ],
        },
      });
    expect(
      hubspot.findTargets(document, update({ recordId: '501', recordType: 'contact' }))?.map((t) => t.part),
    ).toEqual([{ field: 'jobtitle' }]);
    expect(hubspot.findTargets(document, update({ recordId: '501', recordType: '0-1' }))).toHaveLength(1);
    expect(hubspot.findTargets(document, update({ recordId: '501', recordType: 'deal' }))).toBeNull();
    expect(hubspot.findTargets(document, update({ recordId: '502' }))).toBeNull();
    // No record id: the record's email identifies it.
    expect(hubspot.findTargets(document, update({ email: 'ana@acme.example' }))).toHaveLength(1);
    // Field names are data, not selector syntax.
    expect(
      hubspot.findTargets(
        document,
        draft({
          kind: 'crm_update',
          target: { recordId: '501' },
          content: { fields: [{ name: 'a"],*[x="', value: '' }] },
        }),
      ),
    ).toBeNull();
  });
});

it('reads a sandbox HubSpot page as the real record URL it stands for', () => {
  setURL('http://127.0.0.1:8787/sandbox/hubspot/contacts/1/record/0-1/501');
  expect(hubspot.readContext(document)).toMatchObject({ site: 'hubspot', recordId: '501', recordType: 'contact' });
});

describe('Salesforce adapter', () => {
  it('reads and targets only the active cached record page', () => {
    setURL('https://x.lightning.force.com/lightning/r/Contact/003Hs00004AnaLoAAA/view');
    const page = (active: boolean, name: string, email: string) =>
      h(
        'div',
        { class: `windowViewMode-normal${active ? ' active' : ''}`, style: active ? '' : 'display:none' },
        h('records-highlights2', {}, h('h1', {}, h('lightning-formatted-name', {}, name))),
        h(
          'records-record-layout-item',
          { 'data-target-selection-name': 'sfdc:RecordField.Contact.Email' },
          h('div', { class: 'test-id__field-value' }, email),
        ),
        h(
          'records-record-layout-item',
          { 'data-target-selection-name': 'sfdc:RecordField.Contact.Title' },
          h('lightning-input', {}),
        ),
      );
    const ben = page(false, 'Ben Okafor', 'ben@globex.example');
    const ana = page(true, 'Ana Lopez', 'ana@acme.example');
    document.body.append(ben, ana);
    expect(salesforce.readContext(document)).toMatchObject({
      recordId: '003Hs00004AnaLoAAA',
      recordType: 'Contact',
      emails: ['ana@acme.example'],
      names: ['Ana Lopez'],
      editable: true,
    });
    const t = salesforce.findTargets(
      document,
      draft({
        kind: 'crm_update',
        target: { recordId: '003Hs00004AnaLo' },
        content: { fields: [{ name: 'Title', value: 'COO' }] },
      }),
    );
    expect(t).toHaveLength(1);
    expect(ana.contains(t![0]!.element)).toBe(true);
    expect(
      salesforce.findTargets(
        document,
        draft({
          kind: 'crm_update',
          target: { recordId: '003Hs00004BenOkAAA' },
          content: { fields: [{ name: 'Title', value: 'x' }] },
        }),
      ),
    ).toBeNull();
  });
});

describe('contextScore', () => {
  const ctx: PageContext = {
    site: 'hubspot',
    emails: ['ana@acme.example'],
    names: [],
    recordId: '501',
    company: 'Acme',
    editable: false,
  };
  it('ranks same record > same addressee > same company > nothing', () => {
    expect(contextScore(draft({ target: { recordId: '501' } }), ctx)).toBe(3);
    expect(contextScore(draft({ target: { email: 'ana@acme.example' } }), ctx)).toBe(2);
    expect(contextScore(draft({ target: {} }), ctx)).toBe(1);
    expect(contextScore(draft({ target: {}, account: { name: 'Globex' } }), ctx)).toBe(0);
    expect(contextScore(draft({ target: { site: 'gmail', recordId: '501' } }), ctx)).toBe(0);
  });
});

describe('watchContext', () => {
  it('signals only real changes, debounced, with a maximum wait under constant churn, and stops on abort', async () => {
    vi.useFakeTimers();
    try {
      const box = h('div', {});
      document.body.append(box);
      let n = 0;
      const read = (): PageContext => ({
        site: 'other',
        emails: [],
        names: [],
        recordId: String(box.childElementCount > 3 ? 'many' : 'few'),
        editable: false,
      });
      const seen: PageContext[] = [];
      const ctrl = new AbortController();
      watchContext({
        doc: document,
        signal: ctrl.signal,
        read: () => {
          n++;
          return read();
        },
        onChange: (c) => seen.push(c),
        debounceMs: 40,
        maxWaitMs: 200,
      });
      box.append(h('i'));
      await vi.advanceTimersByTimeAsync(100);
      expect(seen).toEqual([]); // re-read, but nothing changed
      // Keep mutating every 10 ms: the max wait still lets a read through.
      for (let i = 0; i < 30; i++) {
        box.append(h('i'));
        await vi.advanceTimersByTimeAsync(10);
      }
      expect(seen.map((c) => c.recordId)).toEqual(['many']);
      const reads = n;
      ctrl.abort();
      box.append(h('i'));
      await vi.advanceTimersByTimeAsync(500);
      expect(n).toBe(reads);
    } finally {
      vi.useRealTimers();
    }
  });
});
