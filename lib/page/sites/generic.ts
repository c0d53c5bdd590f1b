import type { PageContext, SiteAdapter } from './types';

/**
 * The fallback for pages no site adapter claims: no context, no targets, so the panel still shows
 * the queue and Approve offers Copy. Adding a site = one adapter file + its fixtures, not a branch here.
 */
export const generic: SiteAdapter = {
  id: 'other',
  matches: () => true,
  readContext: (): PageContext => ({ site: 'other', emails: [], names: [], editable: false }),
  watch: () => {},
  findTargets: () => null,
};
