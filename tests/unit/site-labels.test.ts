/**
 * The adapters' last resorts (issue 18 item 4) in happy-dom: controls found by their label in the
 * sites' languages, people read from chips that keep the address in attributes, fields by API name;
 * and what the card says when only part of a draft lands (lostParts / partialMessage).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lostCopy, lostParts, partialMessage, unreadMessage } from '../../lib/page/follow/applier';
import { gmail, hubspot, outlook } from '../../lib/page/sites';
import { byLabel, fieldByName, labelIs, labelsOf, personOf, SUBJECT_LABEL } from '../../lib/page/sites/dom';
import type { InsertionTarget } from '../../lib/page/sites/types';
import { neutralDraft } from '../helpers/drafts';

function html(markup: string): HTMLElement {
  const box = document.createElement('div');
  // Test-only markup in happy-dom (no Trusted Types here).
  box.innerHTML = markup;
  document.body.append(box);
  return box;
}
afterEach(() => document.body.replaceChildren());

describe('labels', () => {
  it('reads aria-label, aria-labelledby, <label for>, a wrapping <label>, placeholder, field-label', () => {
    const box = html(`
      <input id="a" aria-label="Betreff hinzufügen">
      <span id="lbl">件名</span><input id="b" aria-labelledby="lbl">
      <label for="c">Job title</label><input id="c">
      <label>Telefonnummer <input id="d"></label>
      <input id="e" placeholder="Subject">
      <records-record-layout-item id="f" field-label="Titel"></records-record-layout-item>`);
    const get = (id: string) => box.querySelector(`#${id}`)!;
    expect(labelsOf(get('a'))).toEqual(['Betreff hinzufügen']);
    expect(labelsOf(get('b'))).toEqual(['件名']);
    expect(labelIs(get('c'), 'job TITLE')).toBe(true);
    expect(labelIs(get('c'), 'Job')).toBe(false); // a string is the whole label
    expect(labelIs(get('d'), /telefon/i)).toBe(true);
    expect(labelIs(get('f'), 'Titel')).toBe(true);
    for (const id of ['a', 'b', 'e']) expect(labelIs(get(id), SUBJECT_LABEL)).toBe(true);
    expect(labelIs(get('c'), SUBJECT_LABEL)).toBe(false);
  });

  it('subject labels in the languages the sites ship, and not the neighbouring fields', () => {
    for (const l of [
      'Subject',
      'Add a subject',
      'Subject line',
      'Betreff',
      'Objet',
      'Asunto',
      '件名を追加',
      '主旨',
      '제목',
    ])
      expect(SUBJECT_LABEL.test(l), l).toBe(true);
    for (const l of ['To', 'An', '宛先', 'Message body', 'Nachrichtentext', 'Cc'])
      expect(SUBJECT_LABEL.test(l), l).toBe(false);
  });

  it('byLabel skips hidden controls; fieldByName finds API names on name / field-name / data-field', () => {
    const box = html(`
      <input aria-label="Subject" hidden id="h"><input aria-label="Subject" id="v">
      <lightning-input-field field-name="Title" id="t"></lightning-input-field>
      <div data-field="Phone" id="p"></div><textarea name="Description" id="d"></textarea>`);
    expect(byLabel(box, ['input'], SUBJECT_LABEL)?.id).toBe('v');
    expect(fieldByName(box, 'Title')?.id).toBe('t');
    expect(fieldByName(box, 'Phone')?.id).toBe('p');
    expect(fieldByName(box, 'Description')?.id).toBe('d');
    expect(fieldByName(box, 'Nope')).toBeNull();
    expect(fieldByName(box, 'a"]')).toBeNull();
  });
});

describe('people from chips', () => {
  it('the address from attributes when the chip shows the name only', () => {
    const box = html(`
      <div id="g" role="option" aria-label="Ana Lopez (ana@acme.example)" title="ana@acme.example">Ana Lopez</div>
      <span id="o" aria-label="Ana Lopez ANA@acme.example">Ana Lopez</span>
      <span id="old" data-hovercard-id="ben@globex.example" data-name="Ben Okafor">Ben</span>
      <span id="t">Carol Diaz &lt;carol@initech.example&gt;</span>
      <span id="n">Priya Shah</span>`);
    const get = (id: string) => personOf(box.querySelector(`#${id}`)!);
    expect(get('g')).toEqual({ email: 'ana@acme.example', name: 'Ana Lopez' });
    expect(get('o')).toEqual({ email: 'ana@acme.example', name: 'Ana Lopez' });
    expect(get('old')).toEqual({ email: 'ben@globex.example', name: 'Ben Okafor' });
    expect(get('t')).toEqual({ email: 'carol@initech.example', name: 'Carol Diaz' });
    expect(get('n')).toEqual({ name: 'Priya Shah' });
  });

  it('Outlook and Gmail: name-only chips with the address in attributes are read; without any address, said', () => {
    const ana = neutralDraft({ target: { site: 'outlook', email: 'ana@acme.example', name: 'Ana Lopez' } });
    const compose = (chip: string) =>
      html(`<div role="main"><div contenteditable="true" aria-label="宛先">${chip}</div>
        <input type="text" aria-label="件名を追加"><div contenteditable="true" aria-multiline="true"></div></div>`);
    compose('<span role="button" aria-label="Ana Lopez ana@acme.example" title="ana@acme.example">Ana Lopez</span>');
    expect(outlook.findTargets(document, ana)?.map((t) => t.part)).toEqual(['subject', 'body']);
    expect(outlook.unread?.(document)).toEqual([]);
    document.body.replaceChildren();
    compose('<span role="button">Ana Lopez</span>');
    expect(outlook.findTargets(document, ana)).toBeNull();
    expect(outlook.unread?.(document)).toEqual(['recipients']);
    // Typing a name (no chip yet) is not a page change.
    document.body.replaceChildren();
    compose('Ana');
    expect(outlook.unread?.(document)).toEqual([]);

    document.body.replaceChildren();
    html(`<div role="dialog"><form><div name="to"><div role="option" aria-label="Ana Lopez (ana@acme.example)">Ana Lopez</div></div>
      <input name="subject" aria-label="Subject"><div class="Ap"><div contenteditable="true" role="textbox" aria-multiline="true"></div></div></form></div>`);
    const g = neutralDraft({ target: { site: 'gmail', email: 'ana@acme.example' } });
    expect(gmail.findTargets(document, g)?.map((t) => t.part)).toEqual(['subject', 'body']);
  });

  it('HubSpot: a subject input marked differently is found by its label', () => {
    history.replaceState(null, '', '/contacts/1/record/0-1/501');
    html(`<div data-test-id="middle-pane"><div data-test-id="email-composer">
      <div data-test-id="email-to">To: Ana &lt;ana@acme.example&gt;</div><input aria-label="Subject line">
      <div contenteditable="true"></div></div></div>`);
    const d = neutralDraft({ target: { site: 'hubspot', recordId: '501', email: 'ana@acme.example' } });
    expect(hubspot.findTargets(document, d)?.map((t) => t.part)).toEqual(['subject', 'body']);
  });
});

describe('partial application', () => {
  const el = document.createElement('div');
  const t = (part: InsertionTarget['part']): InsertionTarget => ({ part, element: el, describe: '' });

  it('a new email whose subject has no place: the subject is lost; a reply keeps its thread’s subject', () => {
    const d = neutralDraft({ content: { subject: 'Rollout plan', body: 'Hi Ana' } });
    const lost = lostParts(d, [t('body')]);
    expect(lost).toEqual([{ part: 'subject', label: 'subject', text: 'Rollout plan', why: 'not_found' }]);
    expect(partialMessage('Gmail compose to ana@acme.example', lost)).toBe(
      'The subject did not go into Gmail compose to ana@acme.example (no place for it on this page); the rest did. Copy it and paste it there.',
    );
    expect(lostCopy(lost)).toBe('Rollout plan');
    const reply = neutralDraft({ target: { threadId: 't1' }, content: { subject: 'Re: x', body: 'Hi' } });
    expect(lostParts(reply, [t('body')])).toEqual([]);
    expect(lostParts(d, [t('subject'), t('body')])).toEqual([]);
  });

  it('CRM fields not on the page or refused by their editor', () => {
    const d = neutralDraft({
      kind: 'crm_update',
      content: {
        fields: [
          { name: 'jobtitle', label: 'Job title', value: 'COO' },
          { name: 'phone', label: 'Phone number', value: '+1 555 0199' },
          { name: 'city', value: 'Lisbon' },
        ],
      },
    });
    const lost = lostParts(d, [t({ field: 'jobtitle' }), t({ field: 'city' })], [{ field: 'city' }]);
    expect(lost.map((l) => [l.label, l.why])).toEqual([
      ['Phone number', 'not_found'],
      ['city', 'refused'],
    ]);
    expect(partialMessage('HubSpot contact 501', lost)).toBe(
      'Phone number and city did not go into HubSpot contact 501 (the page did not take it); the rest did. Copy them and paste them there.',
    );
    expect(lostCopy(lost)).toBe('Phone number: +1 555 0199\ncity: Lisbon');
  });

  it('an unreadable compose is said in words', () => {
    const d = neutralDraft({ target: { site: 'outlook', name: 'Ana Lopez' } });
    expect(unreadMessage(d, 'recipients')).toMatch(
      /^Countersign cannot tell who the compose window open here is addressed to: its recipients show no address \(Outlook may have changed its page\)\. If it is to Ana Lopez/,
    );
  });
});
