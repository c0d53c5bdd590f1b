import type { HealthPart } from '../shared/schema';
import { isShown } from './sites/dom';
import type { PageContext, SiteAdapter } from './sites/types';

/**
 * Site health (issue 18 item 5): the page is recognised (an adapter matched it) but a part the
 * adapter should find is not there — the day a site changes its markup, this is what moves. Counted
 * once per page view and part, sent to the worker, which adds them up per day and reports them with
 * its next sync. Nothing of the page goes out: site, selector version, part, count, times.
 */

/** The date of the selector tables in lib/page/sites (they are all recorded "2026-11"). */
export const SELECTOR_VERSION = '2026-11';

const EMAIL_SITES = new Set(['gmail', 'outlook']);
const CRM_SITES = new Set(['hubspot', 'salesforce', 'pipedrive']);
/** Something on the page that looks like a message editor, whatever its classes. */
const EDITOR_LIKE = '[contenteditable="true"][aria-multiline="true"], [contenteditable="true"][aria-label*="essage" i]';
/** A record page, by URL, on the CRM sites. */
const RECORD_URL = /\/record\/|\/lightning\/r\/|\/person\/|\/deal\/|\/organization\//;

/** Parts that a context read of a recognised page shows as missing. */
export function missingParts(doc: Document, site: string, ctx: PageContext): HealthPart[] {
  const out: HealthPart[] = [];
  if (EMAIL_SITES.has(site)) {
    const editorShown = [...doc.querySelectorAll(EDITOR_LIKE)].some((el) => isShown(el));
    if (!ctx.editable && editorShown) out.push('compose');
    if (ctx.editable && ctx.emails.length === 0 && ctx.names.length === 0) out.push('recipients');
  }
  if (CRM_SITES.has(site) && RECORD_URL.test(doc.location?.pathname ?? '') && !ctx.recordId) out.push('record');
  return out;
}

export interface HealthWatch {
  readonly version: string;
  /** Looks at a context read (after the page settles for `settleMs`). */
  check(ctx: PageContext): void;
  /** A part found missing while applying (subject, fields, send control, compose). */
  missing(part: HealthPart): void;
  /** Parts counted in this page view (tests). */
  counted(): HealthPart[];
}

export function watchHealth(
  doc: Document,
  adapter: SiteAdapter,
  send: (parts: HealthPart[]) => void | Promise<void>,
  opts: { settleMs?: number; signal?: AbortSignal } = {},
): HealthWatch {
  const seen = new Set<HealthPart>();
  const settleMs = opts.settleMs ?? 1_500;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const count = (parts: HealthPart[]) => {
    const fresh = parts.filter((p) => !seen.has(p));
    for (const p of fresh) seen.add(p);
    if (fresh.length) void send(fresh);
  };
  // The person starting to write in an editor the adapter did not recognise is the moment a changed
  // compose shows: look again then (one passive listener; no observer, no polling).
  doc.addEventListener(
    'focusin',
    (e) => {
      const t = e.target as Element | null;
      if (e.isTrusted && t?.matches?.(EDITOR_LIKE)) watch.check(adapter.readContext(doc));
    },
    { passive: true, signal: opts.signal },
  );
  const watch: HealthWatch = {
    version: SELECTOR_VERSION,
    check() {
      if (adapter.id === 'other') return;
      clearTimeout(timer);
      // Read again once the page has settled: a compose that is still opening is not a failure.
      timer = setTimeout(
        () => count([...missingParts(doc, adapter.id, adapter.readContext(doc)), ...(adapter.unread?.(doc) ?? [])]),
        settleMs,
      );
    },
    missing(part) {
      if (adapter.id !== 'other') count([part]);
    },
    counted: () => [...seen],
  };
  return watch;
}
