/**
 * Insertion library in happy-dom: editor detection, the Lightning shadow walk, the React-input
 * technique's events, selection memory, the text-node fallback (never markup), and applyDraft's
 * refusal to write anywhere the adapter did not name. The techniques against the real editor
 * libraries (React 18, Draft.js, Quill, Lightning-like components, Gmail under Trusted Types) are
 * exercised in real Chromium in tests/e2e/apply-*.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { applyDraft, applyText, editorKind, editorText, textForPart, trackSelection } from '../../lib/page/apply';
import { findNativeField } from '../../lib/page/apply/detect';
import type { SiteAdapter } from '../../lib/page/sites/types';
import { Draft } from '../../lib/shared/schema';

function h(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const base = {
  id: 'd1',
  externalId: 'e1',
  workflow: 'w',
  target: {},
  account: { name: 'Acme' },
  confidence: 0.9,
  rationale: '',
  evidence: [],
  route: 'review',
  status: 'pending',
  assignee: null,
  queue: 'review',
  reasons: [],
  secondReview: false,
  createdAt: '2026-11-21T12:00:00Z',
};
const email = (subject: string, body: string) => Draft.parse({ ...base, kind: 'email', content: { subject, body } });

afterEach(() => {
  document.body.replaceChildren();
});

describe('editorKind', () => {
  it.each([
    [() => h('input'), 'input'],
    [() => h('textarea'), 'input'],
    [() => h('lightning-input'), 'lightning'],
    [() => h('lightning-input-rich-text', {}, h('div', { class: 'ql-editor', contenteditable: 'true' })), 'quill'],
    [
      () =>
        h(
          'div',
          { class: 'DraftEditor-root' },
          h('div', { class: 'public-DraftEditor-content', contenteditable: 'true' }),
        ),
      'draftjs',
    ],
    [() => h('div', { 'data-slate-editor': 'true', contenteditable: 'true' }), 'slate'],
    [() => h('div', { 'data-lexical-editor': 'true', contenteditable: 'true' }), 'lexical'],
    [() => h('div', { class: 'ProseMirror', contenteditable: 'true' }), 'prosemirror'],
    [() => h('div', { class: 'ck-editor__editable', contenteditable: 'true' }), 'ckeditor5'],
    // CKEditor 4: the body of its editing iframe (classic) or an inline editable.
    [() => h('body', { class: 'cke_editable cke_editable_themed', contenteditable: 'true' }), 'ckeditor4'],
    [() => h('div', { contenteditable: 'true', g_editable: 'true' }), 'contenteditable'],
    [() => h('div', { contenteditable: 'false' }), null],
    [() => h('div'), null],
  ])('%#', (make, kind) => {
    expect(editorKind(make())).toBe(kind);
  });
});

describe('editorText', () => {
  it('leaves out the placeholder Slate renders inside an empty editable', () => {
    const leaf = (...c: (Node | string)[]) =>
      h('span', { 'data-slate-node': 'text' }, h('span', { 'data-slate-leaf': 'true' }, ...c));
    const empty = h(
      'div',
      { 'data-slate-editor': 'true', contenteditable: 'true' },
      h(
        'div',
        { 'data-slate-node': 'element' },
        leaf(
          h('span', { contenteditable: 'false', 'data-slate-placeholder': 'true' }, 'Write an email…'),
          h('span', { 'data-slate-zero-width': 'n' }, '\uFEFF'),
        ),
      ),
    );
    expect(editorText(empty).replace(/\s/g, '')).toBe('');
    const typed = h(
      'div',
      { 'data-slate-editor': 'true', contenteditable: 'true' },
      h(
        'div',
        { 'data-slate-node': 'element' },
        leaf(h('span', { 'data-slate-string': 'true' }, 'Write an email… soon')),
      ),
    );
    expect(editorText(typed)).toBe('Write an email… soon');
  });
});

describe('Lightning shadow walk', () => {
  it('finds the native input two shadow roots down', () => {
    const host = h('lightning-input');
    const prim = h('lightning-primitive-input-simple');
    host.attachShadow({ mode: 'open' }).append(prim);
    const input = h('input', { type: 'text' });
    prim.attachShadow({ mode: 'open' }).append(h('label', {}, 'Title'), input);
    document.body.append(host);
    expect(findNativeField(host)).toBe(input);
  });
});

describe('React-controlled input technique', () => {
  it('sets the value through the prototype setter and fires input then change, bubbling', async () => {
    const input = h('input', { type: 'text', value: 'old' }) as HTMLInputElement;
    const events: string[] = [];
    document.body.addEventListener('input', (e) => events.push(`${e.type}:${(e.target as HTMLInputElement).value}`));
    document.body.addEventListener('change', (e) => events.push(e.type));
    document.body.append(input);
    const res = await applyText(input, 'new value', { placement: 'replace' });
    expect(res).toEqual({ ok: true, kind: 'input', technique: 'prototype-setter' });
    expect(input.value).toBe('new value');
    expect(events).toEqual(['input:new value', 'change']);
  });

  it('inserts at the remembered selection of an input after focus moved away', async () => {
    const ctrl = new AbortController();
    const memory = trackSelection(document, ctrl.signal);
    const input = h('input', { type: 'text', value: 'Hello world' }) as HTMLInputElement;
    const panelButton = h('button', {}, 'Approve');
    document.body.append(input, panelButton);
    input.focus();
    input.setSelectionRange(6, 11);
    panelButton.focus(); // focusout: the selection is remembered
    expect(memory.lastEditable()).toBe(input);
    const res = await applyText(input, 'there', { placement: 'caret', memory });
    expect(res.ok).toBe(true);
    expect(input.value).toBe('Hello there');
    ctrl.abort();
  });
});

describe('contenteditable fallback', () => {
  it('inserts draft text as text nodes and <br>, never as markup, and fires input', async () => {
    const ed = h('div', { contenteditable: 'true' });
    document.body.append(ed);
    const inputs: string[] = [];
    ed.addEventListener('input', (e) => inputs.push((e as InputEvent).inputType));
    const evil = '<img src=x onerror="window.__pwned=1">\nline two';
    const res = await applyText(ed, evil, { placement: 'replace' });
    expect(res.ok).toBe(true);
    expect(ed.querySelector('img')).toBeNull();
    expect([...ed.childNodes].map((n) => n.nodeName)).toEqual(['#text', 'BR', '#text']);
    expect(ed.textContent).toBe('<img src=x onerror="window.__pwned=1">line two');
    expect(inputs.length).toBeGreaterThan(0);
  });
});

describe('applyDraft', () => {
  it('maps draft parts to text', () => {
    const d = email('Subj', 'Body');
    expect(textForPart(d, 'subject')).toBe('Subj');
    expect(textForPart(d, 'body')).toBe('Body');
    expect(textForPart(d, { field: 'x' })).toBeUndefined();
    const crm = Draft.parse({ ...base, kind: 'crm_update', content: { fields: [{ name: 'jobtitle', value: 'COO' }] } });
    expect(textForPart(crm, { field: 'jobtitle' })).toBe('COO');
    expect(textForPart(crm, 'body')).toBeUndefined();
  });

  it('writes only where the adapter points, looked up at apply time; nothing when the target is not on the page', async () => {
    const mine = h('input', { type: 'text' }) as HTMLInputElement;
    const other = h('input', { type: 'text' }) as HTMLInputElement;
    document.body.append(mine, other);
    let onPage = true;
    const adapter: SiteAdapter = {
      id: 'other',
      matches: () => true,
      readContext: () => ({ site: 'other', emails: [], names: [], editable: true }),
      watch: () => {},
      findTargets: () => (onPage ? [{ part: 'subject', element: mine, describe: 'mine' }] : null),
    };
    const res = await applyDraft(document, adapter, email('Hello', 'ignored: no body target'));
    expect(res.ok).toBe(true);
    expect(res.parts.map((p) => p.describe)).toEqual(['mine']);
    expect(mine.value).toBe('Hello');
    expect(other.value).toBe('');
    onPage = false;
    expect(await applyDraft(document, adapter, email('Again', 'x'))).toEqual({ onPage: false, ok: false, parts: [] });
    expect(mine.value).toBe('Hello');
  });
});
