import { createRoute } from '@hono/zod-openapi';
import { DecisionsIn, DecisionsOut, ErrorBody, REVIEWER_ROLES } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule, requireRole, validatedSynchronously } from '../context';
import { applyDecisions } from '../service/decide';

const post = createRoute({
  method: 'post',
  path: '/v1/decisions',
  summary: 'Record decisions (approve/edit/reject/escalate); idempotent on the decision id',
  security: bearerSecurity,
  request: {
    body: { required: true, content: { 'application/json': { schema: validatedSynchronously(DecisionsIn) } } },
  },
  responses: {
    200: {
      description: 'One result per decision: applied | duplicate | conflict | rejected',
      content: { 'application/json': { schema: DecisionsOut } },
    },
    400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
    401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
    403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export const decisionRoutes: RouteModule = ({ store }) =>
  newRouter().openapi(post, async (c) => {
    const user = requireRole(c, REVIEWER_ROLES);
    const { decisions } = c.req.valid('json');
    // Built field by field from the schema's own type in applyDecisions (no stored data passes
    // through unchecked), so the answer is not parsed again on the way out.
    const results = await applyDecisions(store, user, decisions);
    return c.json({ results } satisfies DecisionsOut, 200);
  });
