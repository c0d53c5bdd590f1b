import type { Draft } from '../../shared/schema';
import { defineSite } from '../../shared/sites';
import {
  all,
  attrValue,
  byLabel,
  CONTROLS,
  cleanEmails,
  cleanNames,
  draftEmails,
  emailsInText,
  emailsInTree,
  first,
  isShown,
  SUBJECT_LABEL,
  text,
} from './dom';
import { watchContext } from './observe';
import { pageUrl } from './page-url';
import type { InsertionTarget, PageContext, SupportedSiteAdapter } from './types';

export const HUBSPOT_SITE = defineSite({
  id: 'hubspot',
  name: 'HubSpot',
  matches: ['https://app.hubspot.com/*', 'https://app-eu1.hubspot.com/*'],
  sandbox: { origin: 'https://app.hubspot.com', path: '/contacts/12345678/record/0-1/501' },
});

/**
 * HubSpot selectors, newest first, dated.
 * Dates say when a selector was recorded here from docs/sites.md (gathered from public extensions),
 * not a check against the live site: the fixtures imitate those facts.
 * Class names are random (styled-components): only
 * `data-test-id` / `data-selenium-test` hooks and the URL are used (docs/sites.md).
 */
export const HUBSPOT_SELECTORS = {
  /** 2026-11: record page panes. */
  sidebars: ['[data-test-id="left-sidebar"]', '[data-test-id="middle-pane"]', '[data-test-id="records-right-sidebar"]'],
  /** 2026-11: the record's name in the highlight card. */
  recordName: [
    '[data-test-id="left-sidebar"] [data-selenium-test="highlightTitle"]',
    '[data-test-id="left-sidebar"] h1',
  ],
  /** 2026-11: property labels; the value/input follows in the same row. */
  propertyLabel: ['[data-selenium-test*="property-label"]'],
  /** 2026-11: property inputs in edit mode, by internal property name. */
  propertyInput: (name: string) => [
    `[data-selenium-test="property-input-${name}"]`,
    `[data-test-id="property-input-${name}"]`,
    `[data-test-id="left-sidebar"] input[name="${name}"]`,
    `[data-test-id="left-sidebar"] textarea[name="${name}"]`,
  ],
  /** 2026-11: the communicator (email composer) in the middle pane; its body is Draft.js. */
  emailComposer: ['[data-test-id="email-composer"]', '[data-selenium-test="communicator-email"]'],
  noteComposer: ['[data-test-id="note-composer"]', '[data-selenium-test="communicator-note"]'],
  composerBody: ['.DraftEditor-root', '[contenteditable="true"]'],
  /** Last resort: an input in the composer labelled "Subject" in one of the sites' languages (dom.ts SUBJECT_LABEL). */
  composerSubject: ['input[data-test-id="email-subject"]', 'input[name="subject"]'],
  composerTo: ['[data-test-id="email-to"]'],
  /** 2026-11: company association card in the right sidebar. */
  company: ['[data-test-id="records-right-sidebar"] [data-selenium-test="association-company-name"]'],
} as const;

const HUBSPOT_HOST = /^app(?:-[a-z0-9]+)?\.hubspot\.com$/;

/** Object type ids in record URLs (docs/sites.md). */
export const HUBSPOT_OBJECT_TYPES: Record<string, string> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
  '0-5': 'ticket',
};

/** `/contacts/{portal}/record/{objectTypeId}/{recordId}`, older `/contacts/{portal}/contact/{id}`. */
export function parseHubspotPath(pathname: string): { portalId: string; recordType: string; recordId: string } | null {
  let m = /^\/contacts\/(\d+)\/record\/(\d+-\d+)\/(\d+)/.exec(pathname);
  if (m) return { portalId: m[1]!, recordType: HUBSPOT_OBJECT_TYPES[m[2]!] ?? m[2]!, recordId: m[3]! };
  m = /^\/contacts\/(\d+)\/(contact|company|deal|ticket)\/(\d+)/.exec(pathname);
  if (m) return { portalId: m[1]!, recordType: m[2]!, recordId: m[3]! };
  return null;
}

function normType(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const lower = t.toLowerCase();
  return HUBSPOT_OBJECT_TYPES[lower] ?? lower.replace(/s$/, '');
}

function visibleSidebars(doc: Document): Element[] {
  return all(doc, HUBSPOT_SELECTORS.sidebars).filter(isShown);
}

function readContext(doc: Document): PageContext {
  const rec = parseHubspotPath(pageUrl(doc, HUBSPOT_SITE)?.pathname ?? '');
  const panes = visibleSidebars(doc);
  // Addresses in the visible sidebars: property inputs' values (edit mode) and their texts (view mode).
  // Not the middle pane: its activity timeline also shows the person's own and colleagues' addresses.
  const sidebars = panes.filter((p) => p.getAttribute('data-test-id') !== 'middle-pane');
  const emails = cleanEmails(
    sidebars.flatMap((p) => [
      ...emailsInTree(p),
      ...all<HTMLInputElement>(p, ['input']).flatMap((i) => emailsInText(i.value)),
    ]),
  );
  const name = first(doc, HUBSPOT_SELECTORS.recordName);
  const company = first(doc, HUBSPOT_SELECTORS.company);
  const ctx: PageContext = {
    site: 'hubspot',
    emails,
    names: cleanNames([name && isShown(name) ? text(name) : undefined]),
    editable: panes.some((p) => all(p, ['input', 'textarea', '[contenteditable="true"]']).some(isShown)),
  };
  if (company && isShown(company)) ctx.company = text(company);
  if (rec) {
    ctx.recordType = rec.recordType;
    ctx.recordId = rec.recordId;
  }
  return ctx;
}

/** The draft is for the record on screen: same id (and type, when given); without an id, same email. */
function draftIsForRecord(draft: Draft, ctx: PageContext): boolean {
  if (draft.target.site && draft.target.site !== 'hubspot') return false;
  if (draft.target.recordId) {
    if (draft.target.recordId !== ctx.recordId) return false;
    const want = normType(draft.target.recordType);
    return !want || want === normType(ctx.recordType);
  }
  const wanted = draftEmails(draft);
  return wanted.length > 0 && wanted.some((e) => ctx.emails.includes(e));
}

function shownIn(doc: Document, selectors: readonly string[]): Element | null {
  return all(doc, selectors).find(isShown) ?? null;
}

function findTargets(doc: Document, draft: Draft): InsertionTarget[] | null {
  const ctx = readContext(doc);
  if (!draftIsForRecord(draft, ctx)) return null;
  const where = `HubSpot ${ctx.recordType ?? 'record'} ${ctx.recordId ?? ''}`.trim();

  if (draft.kind === 'crm_update') {
    const targets: InsertionTarget[] = [];
    for (const f of draft.content.fields) {
      const name = attrValue(f.name);
      if (!name) continue;
      // Last resort: the record panel's control whose <label> is the field's label (fixture variant `fields-by-label`).
      const sidebar = first(doc, [HUBSPOT_SELECTORS.sidebars[0]]);
      const input =
        all(doc, HUBSPOT_SELECTORS.propertyInput(name)).find(isShown) ??
        (sidebar && f.label ? byLabel(sidebar, CONTROLS, f.label) : null);
      if (input) targets.push({ part: { field: f.name }, element: input, describe: `${where}: ${f.label ?? f.name}` });
    }
    return targets.length ? targets : null;
  }

  const composer = shownIn(
    doc,
    draft.kind === 'email' ? HUBSPOT_SELECTORS.emailComposer : HUBSPOT_SELECTORS.noteComposer,
  );
  if (!composer) return null;
  const body = first(composer, HUBSPOT_SELECTORS.composerBody);
  if (!body) return null;
  if (draft.kind === 'note') return [{ part: 'text', element: body, describe: `${where}: note` }];

  // The composer's recipient, when shown, must be the draft's addressee.
  const to = first(composer, HUBSPOT_SELECTORS.composerTo);
  const wanted = draftEmails(draft);
  if (to && wanted.length && !emailsInText(text(to)).some((e) => wanted.includes(e))) return null;
  const targets: InsertionTarget[] = [];
  const subject = first(composer, HUBSPOT_SELECTORS.composerSubject) ?? byLabel(composer, ['input'], SUBJECT_LABEL);
  if (subject && isShown(subject))
    targets.push({ part: 'subject', element: subject, describe: `${where}: email subject` });
  targets.push({ part: 'body', element: body, describe: `${where}: email` });
  return targets;
}

export const hubspot: SupportedSiteAdapter<typeof HUBSPOT_SITE> = {
  id: HUBSPOT_SITE.id,
  descriptor: HUBSPOT_SITE,
  matches: (location) => HUBSPOT_HOST.test(location.hostname),
  readContext,
  watch(doc, signal, onChange) {
    // Hidden tabs toggle `hidden`/`style`; lazy panes mount children.
    watchContext({ doc, signal, read: readContext, onChange, attributeFilter: ['hidden', 'style'] });
  },
  findTargets,
};
