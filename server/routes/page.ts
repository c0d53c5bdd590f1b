import { routes } from '../../lib/shared/api/routes';
import { REVIEWER_ROLES, Since } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { ApiError } from '../errors';
import { applyPageReports, pageHealth, recordSiteHealth } from '../service/sent';
import { ERRORS, openApiRoute } from './openapi';

// Issue 18: what happened to approved text in the page, and site health (server/service/sent.ts).

const postReports = openApiRoute('/v1/page-reports', routes.pageReports, {
  summary: 'Whether approved text reached the page, and what the page held when it was sent or saved',
  ok: 'One result per report: applied | duplicate | waiting (the approval is not here yet) | rejected',
  errors: ERRORS,
});

export const pageReportRoutes: Resource = {
  prefix: '/v1/page-reports',
  routes: ({ store }) =>
    newRouter().openapi(postReports, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      const { reports } = c.req.valid('json');
      return c.json({ results: await applyPageReports(store, user, reports) }, 200);
    }),
};

const postHealth = openApiRoute('/v1/site-health', routes.siteHealth, {
  summary: 'Counts of recognised pages whose expected parts were not found (no content, no personal data)',
  ok: 'How many counters were stored',
  errors: ERRORS,
});

export const siteHealthRoutes: Resource = {
  prefix: '/v1/site-health',
  routes: ({ store }) =>
    newRouter().openapi(postHealth, async (c) => {
      requireRole(c, REVIEWER_ROLES);
      const { counts } = c.req.valid('json');
      return c.json({ stored: await recordSiteHealth(store, counts) }, 200);
    }),
};

const getHealth = openApiRoute('/v1/page-health', routes.pageHealth, {
  summary: 'Site health and approvals whose text never reached the page (admin)',
  ok: 'Per site and selector version: parts not found; approvals reached / not reached / sent / edited in the page',
  errors: ERRORS,
});

export const pageHealthRoutes: Resource = {
  prefix: '/v1/page-health',
  routes: ({ store }) =>
    newRouter().openapi(getHealth, async (c) => {
      requireRole(c, ['admin']);
      const q = c.req.valid('query');
      let since: string | undefined;
      if (q.since) {
        const parsed = Since.safeParse(q.since);
        if (!parsed.success) throw new ApiError(400, 'invalid_input', '"since" is not an ISO-8601 time or date');
        since = parsed.data;
      }
      return c.json(await pageHealth(store, { since, workflow: q.workflow }), 200);
    }),
};
