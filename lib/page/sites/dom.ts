import { emailsInText } from '../../shared/match';

/**
 * Small DOM helpers shared by the adapters. Every lookup tolerates "not found": selectors break
 * (docs/sites.md), so the adapters list fallbacks and these helpers try them in order.
 */

export type Root = Document | Element | ShadowRoot;

/** First match of the first selector that matches anything (selectors listed newest first). */
export function first<T extends Element = Element>(root: Root, selectors: readonly string[]): T | null {
  for (const s of selectors) {
    try {
      const el = root.querySelector<T>(s);
      if (el) return el;
    } catch {
      // An unsupported selector in an older browser must not break the others.
    }
  }
  return null;
}

/** All matches of every selector, de-duplicated, in selector order. */
export function all<T extends Element = Element>(root: Root, selectors: readonly string[]): T[] {
  const seen = new Set<T>();
  for (const s of selectors) {
    try {
      for (const el of root.querySelectorAll<T>(s)) seen.add(el);
    } catch {
      // see first()
    }
  }
  return [...seen];
}

/** The nearest ancestor (or self) matching one of the selectors, tried newest first. */
export function closest(el: Element, selectors: readonly string[]): Element | null {
  for (const s of selectors) {
    try {
      const hit = el.closest(s);
      if (hit) return hit;
    } catch {
      // see first()
    }
  }
  return null;
}

/**
 * Whether the person can see the element. Hidden tabs (HubSpot), cached record pages (Salesforce)
 * and a reply's hidden subject (Gmail) stay in the DOM; text must never go there.
 */
export function isShown(el: Element): boolean {
  if (!el.isConnected) return false;
  if (el.localName === 'input' && el.getAttribute('type') === 'hidden') return false;
  const check = (el as Element & { checkVisibility?: (o?: object) => boolean }).checkVisibility;
  // `hidden` is checked directly as well: layout-less DOMs (happy-dom) do not apply its UA style.
  if (typeof check === 'function') return check.call(el, { visibilityProperty: true }) && !el.closest('[hidden]');
  for (let n: Element | null = el; n; n = n.parentElement) {
    if (n.hasAttribute('hidden')) return false;
    const style = (n as HTMLElement).style;
    if (style && (style.display === 'none' || style.visibility === 'hidden')) return false;
  }
  return true;
}

// One definition of "the addresses in a text" and "a draft's addressees", shared with the page matcher.
export { draftEmails, emailsInText } from '../../shared/match';

/**
 * Every address written in `root`'s text, node by node: `textContent` of a whole pane glues
 * neighbouring cells together ("Lopezana@acme.example"), so each text node is scanned on its own.
 */
export function emailsInTree(root: Element): string[] {
  const out: string[] = [];
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const data = (n as Text).data;
    if (data.includes('@')) out.push(...emailsInText(data));
  }
  return out;
}

/** A chip's text "Name <email>" (Outlook) or "Name" → the name part, if any. */
export function nameFromChip(text: string): string | undefined {
  const m = /^\s*"?([^"<]+?)"?\s*<[^>]+>\s*$/.exec(text);
  const name = (m ? m[1] : text)?.trim();
  if (!name || name.includes('@')) return undefined;
  return name;
}

/** Lower-cased, de-duplicated, without the person's own addresses. */
export function cleanEmails(list: Iterable<string | null | undefined>, exclude: readonly string[] = []): string[] {
  const out = new Set<string>();
  const ex = new Set(exclude.map((e) => e.toLowerCase()));
  for (const raw of list) {
    const e = raw?.trim().toLowerCase();
    if (e?.includes('@') && !ex.has(e)) out.add(e);
  }
  return [...out];
}

export function cleanNames(list: Iterable<string | null | undefined>, exclude: readonly string[] = []): string[] {
  const out = new Set<string>();
  const ex = new Set(exclude.map((e) => e.toLowerCase()));
  for (const raw of list) {
    const n = raw?.replace(/\s+/g, ' ').trim();
    if (n && !n.includes('@') && !ex.has(n.toLowerCase())) out.add(n);
  }
  return [...out];
}

export function text(el: Element | null | undefined): string {
  return el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
}

/** An attribute value safe to put inside `[attr="…"]`; property/field API names are word characters. */
export function attrValue(v: string): string | null {
  return /^[A-Za-z0-9_.:-]+$/.test(v) ? v : null;
}

/**
 * The words a subject line is labelled with in the languages the sites ship (aria-label, placeholder,
 * <label>): the last resort when a site's subject input loses its dated selectors.
 */
export const SUBJECT_LABEL =
  /subject|betreff|件名|objet|asunto|oggetto|onderwerp|assunto|ämne|emne|aihe|temat|předmět|тема|主题|主旨|제목/i;

/**
 * What a control is called, as a screen reader would say it: `aria-label`, the text of
 * `aria-labelledby`, its `<label>`s, then `placeholder`, `title` and the `field-label`/`label`
 * attributes Lightning uses. Each source separately (a label match must not span two of them).
 */
export function labelsOf(el: Element): string[] {
  const out: string[] = [];
  const add = (v: string | null | undefined) => {
    const t = v?.replace(/\s+/g, ' ').trim();
    if (t) out.push(t);
  };
  add(el.getAttribute('aria-label'));
  const doc = el.ownerDocument;
  for (const id of el.getAttribute('aria-labelledby')?.split(/\s+/) ?? []) if (id) add(text(doc.getElementById(id)));
  const id = el.getAttribute('id');
  const labels = new Set<Element>((el as HTMLInputElement).labels ?? []);
  const wrapping = el.closest('label');
  if (wrapping) labels.add(wrapping);
  if (id && attrValue(id)) for (const l of doc.querySelectorAll(`label[for="${id}"]`)) labels.add(l);
  for (const l of labels) add(text(l));
  for (const a of ['placeholder', 'title', 'field-label', 'label']) add(el.getAttribute(a));
  return out;
}

/** Whether one of the element's labels is `label` (a string: the whole label, any case) or matches it (a RegExp). */
export function labelIs(el: Element, label: string | RegExp): boolean {
  const want = typeof label === 'string' ? label.replace(/\s+/g, ' ').trim().toLowerCase() : null;
  return labelsOf(el).some((l) => (want !== null ? l.toLowerCase() === want : (label as RegExp).test(l)));
}

/** The first shown element of `selectors` under `root` whose label is (or matches) `label`. */
export function byLabel<T extends Element = Element>(
  root: Root,
  selectors: readonly string[],
  label: string | RegExp,
): T | null {
  return all<T>(root, selectors).find((el) => isShown(el) && labelIs(el, label)) ?? null;
}

/** Controls a label can point at. */
export const CONTROLS = ['input:not([type="hidden"])', 'textarea', 'select', '[contenteditable="true"]'] as const;

/**
 * A field by its API/property name on the attributes sites put it in (`name`, Lightning's
 * `field-name`, `data-field`, `data-field-name`, `data-property-name`): the record's own field names
 * are not localised, so this survives relabelling.
 */
export function fieldByName(root: Root, name: string): Element | null {
  const v = attrValue(name);
  if (!v) return null;
  return (
    all(root, [
      `[field-name="${v}"]`,
      `[data-field-name="${v}"]`,
      `[data-property-name="${v}"]`,
      `[data-field="${v}"]`,
      `input[name="${v}"]`,
      `textarea[name="${v}"]`,
    ]).find(isShown) ?? null
  );
}

/**
 * A person as a chip, hovercard or persona shows them: the address from the attributes sites keep it
 * in (`data-hovercard-id`, `email`, `data-email`, `data-lpc-hover-target-id`, `title`, `aria-label`)
 * or the text; the name from `data-name`, the text ("Name <email>" or "Name"), or the label without
 * the address. Chips that show only the name keep the address in an attribute.
 */
export function personOf(el: Element): { email?: string; name?: string } {
  const attrs = ['data-hovercard-id', 'email', 'data-email', 'data-lpc-hover-target-id', 'title', 'aria-label'];
  let email: string | undefined;
  for (const a of attrs) {
    email = emailsInText(el.getAttribute(a) ?? '')[0];
    if (email) break;
  }
  email ??= emailsInText(text(el))[0];
  const label = el
    .getAttribute('aria-label')
    ?.replace(/[(<]?[^\s()<>]+@[^\s()<>]+[)>]?/g, '')
    .trim();
  const name = [el.getAttribute('data-name'), nameFromChip(text(el)), label].find(
    (n): n is string => !!n && !n.includes('@'),
  );
  return { ...(email ? { email: email.toLowerCase() } : {}), ...(name ? { name: name.replace(/\s+/g, ' ') } : {}) };
}
