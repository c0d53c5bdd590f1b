/**
 * The sandbox (issue 5): the fixture pages the site adapters are tested against, served by the review
 * server at `/sandbox/<site>/<the real app's path>`, so a person can try the panel without a CRM account.
 * What a page is made of comes from the pages' route map (./pages/index.ts), the same one
 * Playwright uses to serve them at the real sites' URLs; which sites, their names and real URLs
 * come from the site registry's descriptors (lib/page/sites: data, imported here by exception).
 *
 * Mounted by `npm start` only (through `extraRoutes`), not by `npm run server`: a production review
 * server has no business serving imitation Gmail pages.
 */

import { SITES } from '../../lib/page/sites';
import { newRouter, type RouteModule } from '../context';
import { FIXTURE_SITES, FIXTURE_URLS, type FixtureSite, fixtureResponse } from './pages';

export { sandboxDrafts } from './sandbox-drafts';

export interface SandboxPage {
  site: FixtureSite;
  title: string;
  /** Path on the review server, e.g. `/sandbox/hubspot/contacts/12345678/record/0-1/501`. */
  path: string;
  /** The real URL the page imitates (where `npm run browser` and the e2e tests open it). */
  realUrl: string;
}

/**
 * One page per supported site (the registry's descriptors: name, and the real URL the page starts
 * at), at the path of the record the fixture opens first.
 */
export const SANDBOX_PAGES: readonly SandboxPage[] = FIXTURE_SITES.map((site) => {
  const real = new URL(FIXTURE_URLS[site].url);
  const title = SITES.find((s) => s.id === site)!.name;
  return { site, title, path: `/sandbox/${site}${real.pathname}${real.hash}`, realUrl: real.href };
});

function indexPage(): string {
  // Static text only: nothing from a request goes into this page.
  const items = SANDBOX_PAGES.map(
    (p) => `<li><a href="${p.path}">${p.title}</a> <small>imitates ${new URL(p.realUrl).host}</small></li>`,
  ).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Countersign sandbox</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}small{color:#666}</style></head>
<body><h1>Countersign sandbox</h1>
<p>Imitations of the apps Countersign works in, with demo people (Ana Lopez at Acme, Ben Okafor at Globex,
Carol Diaz at Initech) who have drafts waiting. Turn on <b>Enable sandbox pages</b> in the extension's
options first, or run <code>npm run browser</code>.</p>
<ul>
${items}
</ul></body></html>`;
}

export const sandboxRoutes: RouteModule = () => {
  const app = newRouter();
  app.get('/sandbox', (c) => c.html(indexPage()));
  app.get('/sandbox/', (c) => c.html(indexPage()));
  app.get('/sandbox/:site/*', (c) => {
    const site = c.req.param('site') as FixtureSite;
    if (!FIXTURE_SITES.includes(site)) return c.notFound();
    const page = SANDBOX_PAGES.find((p) => p.site === site)!;
    // `/sandbox/gmail` alone: go to the page proper, whose relative asset URLs resolve under it.
    const rest = c.req.path.slice(`/sandbox/${site}`.length);
    if (rest === '' || rest === '/') return c.redirect(page.path.split('#')[0]!);
    const r = fixtureResponse(site, new URL(c.req.url).href);
    return c.body(new Uint8Array(r.body), r.status as 200, { ...r.headers, 'content-type': r.contentType });
  });
  app.get('/sandbox/:site', (c) => {
    const page = SANDBOX_PAGES.find((p) => p.site === c.req.param('site'));
    return page ? c.redirect(page.path.split('#')[0]!) : c.notFound();
  });
  return app;
};
