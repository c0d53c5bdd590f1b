import type { SiteDescriptor } from './sites';

/**
 * The sandbox: the practice pages `npm start` serves under `/sandbox/<site>/` on a loopback server
 * (server/demo). The shipped manifest never matches localhost; the options page turns the sandbox
 * on with the optional loopback host permission (lib/client/sandbox.ts), and the worker registers
 * the review script on these paths (lib/worker/sandbox.ts).
 */

/** The optional host permissions the sandbox needs (listed in the manifest's optional_host_permissions). */
export const SANDBOX_ORIGINS = ['http://127.0.0.1/*', 'http://localhost/*'];

/**
 * The optional API permissions the sandbox needs (the manifest's optional_permissions): `scripting`
 * registers the review script on the sandbox paths at run time. Only people trying the sandbox need
 * it, so it is asked for with the loopback access when the sandbox is switched on, not at install.
 */
export const SANDBOX_PERMISSIONS: ['scripting'] = ['scripting'];

/** The whole request "Enable sandbox pages" makes (and gives back when switched off). */
export const SANDBOX_REQUEST = { permissions: SANDBOX_PERMISSIONS, origins: SANDBOX_ORIGINS };

/** Where the server serves the sandbox pages. Match patterns without a port match every port. */
export const SANDBOX_MATCHES = ['http://127.0.0.1/sandbox/*', 'http://localhost/sandbox/*'];

export const SANDBOX_SCRIPT_ID = 'countersign-sandbox';

/**
 * For a sandbox page (`http://127.0.0.1:<port>/sandbox/<site>/<real path>`), the site it imitates and
 * the real URL it stands for (`https://app.hubspot.com/<real path>`), so an adapter can read the
 * page as if it were on the real host; `null` for any other page. Only loopback hosts count: a
 * public page at /sandbox/gmail is not Gmail. `sites` says which sites have a sandbox page and where
 * each points (the registry's descriptors, lib/page/sites; lib/shared does not import them).
 */
export function sandboxView(
  url: URL,
  sites: readonly SiteDescriptor[],
): { site: SiteDescriptor['id']; url: URL } | null {
  if (url.protocol !== 'http:' || (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost')) return null;
  const m = /^\/sandbox\/([a-z]+)(\/.*)?$/.exec(url.pathname);
  const site = m ? sites.find((s) => s.id === m[1]) : undefined;
  if (!m || !site) return null;
  return { site: site.id, url: new URL(`${m[2] ?? '/'}${url.search}${url.hash}`, site.sandbox.origin) };
}
