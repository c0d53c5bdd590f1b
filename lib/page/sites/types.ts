import type { Draft, HealthPart, Site } from '../../shared/schema';
import type { PageContext } from '../../shared/schema/protocol';
import type { SiteDescriptor } from '../../shared/sites';

export type { PageContext } from '../../shared/schema/protocol';

/** Where one piece of a draft goes on the page. */
export interface InsertionTarget {
  /** What part of the draft goes here: the email subject/body, a note's text, or a CRM field by name. */
  part: 'subject' | 'body' | 'text' | { field: string };
  element: Element;
  /** A short human description of the place, e.g. "Gmail compose to ana@acme.com". */
  describe: string;
}

/** One adapter per site, all with this shape; shared code never asks which site it is on. */
export interface SiteAdapter {
  id: Site;
  /** The site as data (name, match patterns, sandbox); only `generic` has none. */
  descriptor?: SiteDescriptor;
  /** Whether this adapter handles the page (by host, or by markers for custom domains). */
  matches(location: URL, doc: Document): boolean;
  readContext(doc: Document): PageContext;
  /**
   * Calls `onChange` (debounced) whenever the context may have changed: navigation inside the app,
   * a compose window opening or closing, a record switching to edit mode. Scoped observers only,
   * no interval polling; everything is released when `signal` aborts.
   */
  watch(doc: Document, signal: AbortSignal, onChange: (ctx: PageContext) => void): void;
  /**
   * The places on the page this draft's text belongs in, or `null` when the draft's target is not
   * on the page (another thread, another record, no compose window open). Never returns an editor
   * that belongs to someone else's compose window or another record.
   */
  findTargets(doc: Document, draft: Draft): InsertionTarget[] | null;
  /**
   * Parts the adapter sees on the page but cannot read (e.g. recipient chips that show no address):
   * the panel says so instead of "not addressed to …", and site health counts them.
   */
  unread?(doc: Document): HealthPart[];
}

/** An adapter for a supported site: one file in lib/page/sites/, listed in the registry (index.ts). */
export interface SupportedSiteAdapter<D extends SiteDescriptor = SiteDescriptor> extends SiteAdapter {
  id: D['id'];
  descriptor: D;
}
