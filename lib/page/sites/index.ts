import { sandboxView } from '../../shared/sandbox';
import { generic } from './generic';
import { gmail } from './gmail';
import { hubspot } from './hubspot';
import { outlook } from './outlook';
import { salesforce } from './salesforce';
import type { SiteAdapter } from './types';

export { contextScore } from './match';
export { contextKey, watchContext } from './observe';
export type { InsertionTarget, PageContext, SiteAdapter } from './types';
export { generic, gmail, hubspot, outlook, salesforce };

/** Every site adapter, most specific first; `generic` is the fallback and never listed here. */
export const ADAPTERS: readonly SiteAdapter[] = [gmail, outlook, hubspot, salesforce];

/** The adapter for this page (by host, or by page markers for custom domains), else `generic`. */
export function pickAdapter(location: URL | Location, doc: Document): SiteAdapter {
  const url = location instanceof URL ? location : new URL(location.href);
  // A sandbox page (`npm start`, enabled from the options) is read as the site it imitates.
  const sandbox = sandboxView(url);
  if (sandbox) return ADAPTERS.find((a) => a.id === sandbox.site) ?? generic;
  return ADAPTERS.find((a) => a.matches(url, doc)) ?? generic;
}
