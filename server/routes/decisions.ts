import { routes } from '../../lib/shared/api/routes';
import { type DecisionsOut, REVIEWER_ROLES } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { applyDecisions } from '../service/decide';
import { ERRORS, openApiRoute } from './openapi';

const PREFIX = '/v1/decisions';

const post = openApiRoute(PREFIX, routes.decisions, {
  summary: 'Record decisions (approve/edit/reject/escalate); idempotent on the decision id',
  ok: 'One result per decision: applied | duplicate | conflict | rejected',
  errors: ERRORS,
});

export const decisionRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, random }) =>
    newRouter().openapi(post, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      const { decisions } = c.req.valid('json');
      // Built field by field from the schema's own type in applyDecisions (no stored data passes
      // through unchecked), so the answer is not parsed again on the way out.
      const results = await applyDecisions(store, user, decisions, random);
      return c.json({ results } satisfies DecisionsOut, 200);
    }),
};
