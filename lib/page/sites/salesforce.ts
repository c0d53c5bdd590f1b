import type { Draft } from '../../shared/schema';
import { defineSite } from '../../shared/sites';
import { all, attrValue, cleanEmails, cleanNames, draftEmails, emailsInText, first, isShown, text } from './dom';
import { watchContext } from './observe';
import { pageUrl } from './page-url';
import type { InsertionTarget, PageContext, SupportedSiteAdapter } from './types';

export const SALESFORCE_SITE = defineSite({
  id: 'salesforce',
  name: 'Salesforce',
  matches: ['https://*.lightning.force.com/*', 'https://*.my.salesforce.com/*'],
  // A made-up org: the sandbox page needs one host that the match patterns cover.
  sandbox: {
    origin: 'https://countersign-dev.lightning.force.com',
    path: '/lightning/r/Contact/003Hs00004AnaLoAAA/view',
  },
});

/**
 * Salesforce Lightning selectors, newest first, dated (docs/sites.md; Salesforce Inspector Reloaded, PixieBrix).
 * Dates say when a selector was recorded here from docs/sites.md (gathered from public extensions),
 * not a check against the live site: the fixtures imitate those facts.
 */
export const SALESFORCE_SELECTORS = {
  /**
   * 2026-11: several record pages stay cached in the DOM; only the active one is in front of the
   * person. Console apps first (their tabs also carry `windowViewMode-*`).
   */
  activeRoot: [
    '.oneConsoleTab div.windowViewMode-maximized.active.lafPageHost',
    'div.windowViewMode-normal.active',
    'div.windowViewMode-maximized.active',
  ],
  /** 2026-11: a record field by API name; suffix match when the SObject is not known. */
  field: (sobject: string | undefined, name: string) => [
    ...(sobject ? [`[data-target-selection-name="sfdc:RecordField.${sobject}.${name}"]`] : []),
    `[data-target-selection-name$=".${name}"]`,
    // Layouts without the selection name: the API name on `field-name` (fixture variant `field-name`).
    `records-record-layout-item[field-name="${name}"]`,
    `lightning-input-field[field-name="${name}"]`,
    `[field-name="${name}"]`,
  ],
  fieldValue: ['.test-id__field-value'],
  /** 2026-11: edit-mode components wrapping the native field (native or synthetic shadow DOM). */
  fieldEditor: [
    'lightning-input-rich-text',
    'lightning-textarea',
    'lightning-input',
    'lightning-input-field',
    'input:not([type="hidden"])',
    'textarea',
  ],
  /** 2026-11: the record's name in the highlights panel. */
  recordName: [
    'records-highlights2 h1 lightning-formatted-name',
    'records-highlights2 h1',
    '[data-target-selection-name$=".Name"] .test-id__field-value',
  ],
  company: [
    '[data-target-selection-name$=".Company"] .test-id__field-value',
    '[data-target-selection-name$=".AccountId"] .test-id__field-value',
  ],
  emailValues: ['[data-target-selection-name$=".Email"] .test-id__field-value', 'a[href^="mailto:"]'],
} as const;

const SALESFORCE_HOST = /\.(?:lightning\.force\.com|my\.salesforce\.com)$/;

/** Key prefixes of the standard objects (docs/sites.md). */
export const SALESFORCE_PREFIXES: Record<string, string> = {
  '003': 'Contact',
  '00Q': 'Lead',
  '006': 'Opportunity',
  '001': 'Account',
};

/** `/lightning/r/{SObject}/{Id}/view`, console `/one/one.app#/sObject/{Id}`. */
export function parseSalesforceUrl(url: URL): { sobject?: string; recordId: string } | null {
  const m = /\/lightning\/r\/(?:([A-Za-z0-9_]+)\/)?([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)\/view/.exec(url.pathname);
  if (m) return { sobject: m[1] ?? SALESFORCE_PREFIXES[m[2]!.slice(0, 3)], recordId: m[2]! };
  const c = /#\/sObject\/([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)/.exec(url.hash);
  if (c) return { sobject: SALESFORCE_PREFIXES[c[1]!.slice(0, 3)], recordId: c[1]! };
  return null;
}

/** 15- and 18-character ids name the same record; the first 15 are case-sensitive. */
export function sameSalesforceId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.slice(0, 15) === b.slice(0, 15);
}

export function activeRecordRoot(doc: Document): Element | null {
  return all(doc, SALESFORCE_SELECTORS.activeRoot).find(isShown) ?? null;
}

function readContext(doc: Document): PageContext {
  // On a sandbox page, the real URL it stands for.
  const url = pageUrl(doc, SALESFORCE_SITE);
  const rec = url ? parseSalesforceUrl(url) : null;
  const root = activeRecordRoot(doc);
  const ctx: PageContext = { site: 'salesforce', emails: [], names: [], editable: false };
  if (rec) {
    ctx.recordId = rec.recordId;
    if (rec.sobject) ctx.recordType = rec.sobject;
  }
  if (!root) return ctx;
  const emailEls = all(root, SALESFORCE_SELECTORS.emailValues);
  ctx.emails = cleanEmails([
    ...emailEls.flatMap((e) => emailsInText(text(e) || (e.getAttribute('href') ?? ''))),
    ...all<HTMLInputElement>(root, ['[data-target-selection-name$=".Email"] input']).map((i) => i.value),
  ]);
  ctx.names = cleanNames([text(first(root, SALESFORCE_SELECTORS.recordName))]);
  const company = text(first(root, SALESFORCE_SELECTORS.company));
  if (company) ctx.company = company;
  ctx.editable = all(root, SALESFORCE_SELECTORS.fieldEditor.slice(0, 4)).some(isShown);
  return ctx;
}

function draftIsForRecord(draft: Draft, ctx: PageContext): boolean {
  if (draft.target.site && draft.target.site !== 'salesforce') return false;
  if (draft.target.recordId) {
    if (!sameSalesforceId(draft.target.recordId, ctx.recordId)) return false;
    const want = draft.target.recordType?.toLowerCase();
    return !want || !ctx.recordType || want === ctx.recordType.toLowerCase();
  }
  const wanted = draftEmails(draft);
  return wanted.length > 0 && wanted.some((e) => ctx.emails.includes(e));
}

function findTargets(doc: Document, draft: Draft): InsertionTarget[] | null {
  // Email drafts: the composer is CKEditor in nested third-party iframes; we do not inject there (docs/sites.md).
  if (draft.kind !== 'crm_update') return null;
  const ctx = readContext(doc);
  if (!draftIsForRecord(draft, ctx)) return null;
  // Only inside the active record page: cached pages of other records hold the same field names.
  const root = activeRecordRoot(doc);
  if (!root) return null;
  const targets: InsertionTarget[] = [];
  for (const f of draft.content.fields) {
    const name = attrValue(f.name);
    if (!name) continue;
    const item = all(root, SALESFORCE_SELECTORS.field(ctx.recordType, name)).find(isShown);
    const editor = item
      ? [item, ...all(item, SALESFORCE_SELECTORS.fieldEditor)].find(
          (el) => isShown(el) && SALESFORCE_SELECTORS.fieldEditor.some((s) => el.matches(s)),
        )
      : undefined;
    if (editor) {
      targets.push({
        part: { field: f.name },
        element: editor,
        describe: `Salesforce ${ctx.recordType ?? 'record'} ${ctx.recordId ?? ''}: ${f.label ?? f.name}`,
      });
    }
  }
  return targets.length ? targets : null;
}

export const salesforce: SupportedSiteAdapter<typeof SALESFORCE_SITE> = {
  id: SALESFORCE_SITE.id,
  descriptor: SALESFORCE_SITE,
  matches: (location) => SALESFORCE_HOST.test(location.hostname),
  readContext,
  watch(doc, signal, onChange) {
    // Switching between cached record pages only moves the `active` class.
    watchContext({ doc, signal, read: readContext, onChange, attributeFilter: ['class'] });
  },
  findTargets,
};
