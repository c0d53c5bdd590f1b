import type { Site } from './schema/draft';

/**
 * What the rest of the project needs to know about a supported site, as data: the manifest's match
 * patterns, the name people see, and where its sandbox page points. Each adapter file
 * (lib/page/sites/<site>.ts) carries one; every list that names sites (manifest, panel, options
 * page, sandbox, fixtures) is derived from the registry's list of them, so adding a site never
 * means editing those lists.
 */
export interface SiteDescriptor {
  /** The contract's `Site` value drafts use to name this site. */
  id: Exclude<Site, 'other'>;
  /** Display name: "HubSpot". */
  name: string;
  /** The manifest's match patterns for the site (content scripts and host permissions). */
  matches: readonly string[];
  /**
   * The sandbox page (`/sandbox/<id>/…` on a loopback server) stands for `origin` + the rest of its
   * path; `path` is where it starts (and where the e2e tests open the fixture page).
   */
  sandbox: { origin: string; path: string };
}

/** Types a descriptor (and marks it for the site convention test, tests/unit/site-conventions.test.ts). */
export function defineSite<const T extends SiteDescriptor>(site: T): T {
  return site;
}

/** Every site's match patterns, in registry order, without duplicates. */
export function siteMatches(sites: readonly SiteDescriptor[]): string[] {
  return [...new Set(sites.flatMap((s) => s.matches))];
}

/** The real URL a site's sandbox page starts at, e.g. `https://mail.google.com/mail/u/0/#inbox`. */
export function sandboxStartUrl(site: SiteDescriptor): string {
  return new URL(site.sandbox.path, site.sandbox.origin).href;
}

/**
 * A site's display name: its descriptor's, else the id capitalised (a `Site` value no adapter
 * handles yet, e.g. "Pipedrive"); empty for `other`.
 */
export function siteName(sites: readonly SiteDescriptor[], id: Site): string {
  if (id === 'other') return '';
  return sites.find((s) => s.id === id)?.name ?? id.charAt(0).toUpperCase() + id.slice(1);
}

/** What is wrong with a descriptor (nothing: `[]`); checked by the site convention test. */
export function descriptorProblems(site: SiteDescriptor): string[] {
  const problems: string[] = [];
  if (!site.name.trim()) problems.push(`${site.id}: empty name`);
  if (site.matches.length === 0) problems.push(`${site.id}: no match patterns`);
  for (const m of site.matches) {
    if (!/^https:\/\/(\*\.)?[a-z0-9.-]+\/\*$/.test(m))
      problems.push(`${site.id}: match pattern ${m} is not https://host/*`);
  }
  let origin: URL | null = null;
  try {
    origin = new URL(site.sandbox.origin);
  } catch {
    problems.push(`${site.id}: sandbox origin ${site.sandbox.origin} is not a URL`);
  }
  if (origin && origin.origin !== site.sandbox.origin)
    problems.push(`${site.id}: sandbox origin must be a bare origin`);
  if (origin && !site.matches.some((m) => matchesHost(m, origin.hostname)))
    problems.push(`${site.id}: sandbox origin ${site.sandbox.origin} is not covered by its match patterns`);
  if (!site.sandbox.path.startsWith('/')) problems.push(`${site.id}: sandbox path must start with /`);
  return problems;
}

function matchesHost(pattern: string, host: string): boolean {
  const h = /^https:\/\/([^/]+)\//.exec(pattern)?.[1];
  if (!h) return false;
  return h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h;
}
