/**
 * The site registry: every supported site's adapter, listed once. Everything else that names sites
 * is derived from their descriptors (`SITES`): the manifest's host permissions and content-script
 * matches (both set in wxt.config.ts), the panel's site names, the options page's sandbox links, the
 * sandbox pages and the e2e fixture URLs (server/demo).
 *
 * The descriptors are data, so wxt.config.ts, the options page and the demo server import this
 * module although it is content-script code: the one exception to the import rules. For that, this
 * module and the adapter files must not touch the DOM (or any browser API) at module load.
 */
import { sandboxView } from '../../shared/sandbox';
import { type SiteDescriptor, siteMatches } from '../../shared/sites';
import { generic } from './generic';
import { gmail } from './gmail';
import { hubspot } from './hubspot';
import { outlook } from './outlook';
import { salesforce } from './salesforce';
import type { SiteAdapter } from './types';

export { contextScore } from '../../shared/match';
export { contextKey, watchContext } from './observe';
export type { InsertionTarget, PageContext, SiteAdapter, SupportedSiteAdapter } from './types';
export { generic, gmail, hubspot, outlook, salesforce };

/** Every site adapter, most specific first; `generic` is the fallback and never listed here. */
export const ADAPTERS = [gmail, outlook, hubspot, salesforce] as const;

/** A supported site's id (`Site` values that have an adapter). */
export type SupportedSite = (typeof ADAPTERS)[number]['id'];

/** Every supported site as data, in registry order. */
export const SITES: readonly SiteDescriptor[] = ADAPTERS.map((a) => a.descriptor);

/** The manifest's match patterns (content scripts and host permissions): only these sites, never `<all_urls>`. */
export const SITE_MATCHES: string[] = siteMatches(SITES);

/** The adapter for this page (by host, or by page markers for custom domains), else `generic`. */
export function pickAdapter(location: URL | Location, doc: Document): SiteAdapter {
  const url = location instanceof URL ? location : new URL(location.href);
  // A sandbox page (`npm start`, enabled from the options) is read as the site it imitates.
  const sandbox = sandboxView(url, SITES);
  if (sandbox) return ADAPTERS.find((a) => a.id === sandbox.site) ?? generic;
  return ADAPTERS.find((a) => a.matches(url, doc)) ?? generic;
}
