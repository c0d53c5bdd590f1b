import { createRoute, z } from '@hono/zod-openapi';
import { ErrorBody, Role, WorkflowPolicy, WorkflowPolicyPatch } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type RouteModule, requireRole } from '../context';
import { getPolicy, updatePolicy } from '../service/policy';

const Params = z.object({
  workflow: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ - only'),
});
const errors = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
  403: { description: 'Role may not', content: { 'application/json': { schema: ErrorBody } } },
};

const get = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow}',
  summary: "A workflow's routing policy (defaults when never configured)",
  security: bearerSecurity,
  request: { params: Params },
  responses: {
    200: { description: 'The policy', content: { 'application/json': { schema: WorkflowPolicy } } },
    ...errors,
  },
});

const put = createRoute({
  method: 'put',
  path: '/v1/workflows/{workflow}',
  summary: 'Change a workflow policy (admin); fields are merged; audited',
  security: bearerSecurity,
  request: {
    params: Params,
    body: { required: true, content: { 'application/json': { schema: WorkflowPolicyPatch } } },
  },
  responses: {
    200: { description: 'The new policy', content: { 'application/json': { schema: WorkflowPolicy } } },
    ...errors,
  },
});

export const workflowRoutes: RouteModule = ({ store }) =>
  newRouter()
    .openapi(get, async (c) => {
      // Every role may read a policy: the pipeline and the panel show thresholds.
      requireRole(c, Role.options);
      return c.json(await getPolicy(store.db, c.req.valid('param').workflow), 200);
    })
    .openapi(put, async (c) => {
      const user = requireRole(c, ['admin']);
      const { workflow } = c.req.valid('param');
      const patch = c.req.valid('json');
      const policy = await store.write((trx) => updatePolicy(trx, workflow, patch, user.id));
      return c.json(policy, 200);
    });
