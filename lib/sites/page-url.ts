import type { Site } from '../schema';

/** The real site each sandbox page imitates, and the origin its paths belong to. */
export const SANDBOX_SITES: Readonly<Record<string, { site: Site; origin: string }>> = {
  gmail: { site: 'gmail', origin: 'https://mail.google.com' },
  outlook: { site: 'outlook', origin: 'https://outlook.office.com' },
  hubspot: { site: 'hubspot', origin: 'https://app.hubspot.com' },
  salesforce: { site: 'salesforce', origin: 'https://countersign-dev.lightning.force.com' },
};

/**
 * For a sandbox page (`http://127.0.0.1:<port>/sandbox/<site>/<real path>`), the site it imitates and
 * the real URL it stands for (`https://app.hubspot.com/<real path>`), so an adapter can read the
 * page as if it were on the real host; `null` for any other page. Only loopback hosts count: a
 * public page at /sandbox/gmail is not Gmail.
 */
export function sandboxView(url: URL): { site: Site; url: URL } | null {
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')) return null;
  const m = /^\/sandbox\/([a-z]+)(\/.*)?$/.exec(url.pathname);
  const entry = m ? SANDBOX_SITES[m[1]!] : undefined;
  if (!m || !entry) return null;
  return { site: entry.site, url: new URL(`${m[2] ?? '/'}${url.search}${url.hash}`, entry.origin) };
}

/**
 * The URL a site adapter should read the page's location from: on a sandbox page the real URL it
 * stands for (so `/contacts/…/record/…` and `/lightning/r/…` parse as on the real site), elsewhere the
 * page's own URL; `null` without a window.
 */
export function pageUrl(doc: Document): URL | null {
  const href = doc.defaultView?.location.href;
  if (!href) return null;
  const url = new URL(href);
  return sandboxView(url)?.url ?? url;
}
