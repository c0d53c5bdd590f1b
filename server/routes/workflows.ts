import { routes } from '../../lib/shared/api/routes';
import { policyFor, Role } from '../../lib/shared/schema';
import { newRouter, type Resource, requireRole } from '../context';
import { getPolicy, updatePolicy } from '../service/policy';
import { ERRORS, openApiRoute } from './openapi';

/** Shared with the per-workflow governance routes (routes/governance.ts). */
export const WORKFLOWS = '/v1/workflows';

const get = openApiRoute(WORKFLOWS, routes.getWorkflow, {
  summary: "A workflow's routing policy (defaults when never configured)",
  ok: 'The policy',
  errors: ERRORS,
});

const put = openApiRoute(WORKFLOWS, routes.putWorkflow, {
  summary: 'Change a workflow policy (admin); fields are merged; audited',
  ok: 'The new policy',
  errors: ERRORS,
});

export const workflowRoutes: Resource = {
  prefix: WORKFLOWS,
  routes: ({ store }) =>
    newRouter()
      .openapi(get, async (c) => {
        // Every role may read a policy: the pipeline and the panel show thresholds.
        // Everyone but an admin reads it without the vigilance settings (canaryRate): a reviewer
        // must not learn whether test drafts are planted in their queue (contract v1.1).
        const user = requireRole(c, Role.options);
        return c.json(policyFor(user.role, await getPolicy(store.db, c.req.valid('param').workflow)), 200);
      })
      .openapi(put, async (c) => {
        const user = requireRole(c, ['admin']);
        const { workflow } = c.req.valid('param');
        const patch = c.req.valid('json');
        const policy = await store.write((trx) => updatePolicy(trx, workflow, patch, user.id));
        return c.json(policy, 200);
      }),
};
