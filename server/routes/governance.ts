import { type ApiRoute, routes } from '../../lib/shared/api/routes';
import { type AppContext, newRouter, type Resource, requireRole } from '../context';
import { ApiError } from '../errors';
import { acceptProposal, autonomyProposal } from '../service/governance/autonomy';
import { plantCanaries } from '../service/governance/canary';
import { evaluateWorkflow } from '../service/governance/evaluate';
import { feedbackStream } from '../service/governance/export';
import {
  calibrationFigures,
  draftsPerWorkflow,
  metricsFigures,
  recommendationFigures,
  simulationFigures,
} from '../service/governance/figures';
import { loadPolicy } from '../service/governance/load';
import type { Store } from '../store';
import { openApiRoute } from './openapi';
import { WORKFLOWS } from './workflows';

// Governance (issue 6) routes, admin only: per workflow (calibration, recommendation, simulation,
// autonomy, evaluation, canaries) next to the policy under /v1/workflows/{workflow}/…, and across
// workflows the metrics, the dashboard's workflow list and the feedback export, each at its own
// prefix. The figures come from the pure functions in lib/shared/policy on data loaded by
// server/service/governance/, which also evaluates workflows and plants canaries.

const ADMIN = ['admin'] as const;
const admin = (c: AppContext) => requireRole(c, ADMIN);
const errors = { 400: 'Invalid input', 401: 'No or unknown token', 403: 'Not an admin' } as const;
/** A governance route: the table's route with its words and the admin-only errors. */
const route = <const R extends ApiRoute>(prefix: string, r: R, summary: string, ok: string) =>
  openApiRoute(prefix, r, { summary, ok, errors });

// ---- Per workflow, at /v1/workflows ---------------------------------------------------------

const calibrationRoute = route(
  WORKFLOWS,
  routes.calibration,
  'Reliability diagram, ECE and Brier score of a workflow (admin)',
  'Calibration over 10 equal-width bins',
);
const recommendationRoute = route(
  WORKFLOWS,
  routes.recommendation,
  'Recommended thresholds for a target false-auto-approval rate (admin)',
  'The recommendation and its reasons',
);
const simulateRoute = route(
  WORKFLOWS,
  routes.simulate,
  'What-if for a pair of thresholds on recent drafts (admin)',
  'Simulated routing, load and expected errors',
);
const autonomyRoute = route(
  WORKFLOWS,
  routes.autonomy,
  'Graduation proposal (or step back) with the numbers behind it (admin)',
  'The proposal, or what is still missing',
);
const acceptRoute = openApiRoute(WORKFLOWS, routes.acceptAutonomy, {
  summary: 'Accept the current graduation proposal (admin); audited with its evidence',
  ok: 'The workflow after the change',
  errors: { ...errors, 409: 'The proposal is no longer supported' },
});
const evaluateRoute = route(
  WORKFLOWS,
  routes.evaluate,
  'Run step-back and (opted-in) threshold auto-adjustment now (admin)',
  'What was applied, with reasons',
);
const canaryRoute = route(
  WORKFLOWS,
  routes.plantCanaries,
  'Plant canaries now, made from pending review drafts (admin)',
  'How many canaries were planted',
);

export const workflowGovernanceRoutes: Resource = {
  prefix: WORKFLOWS,
  routes: (deps) => {
    const { store } = deps;
    return newRouter()
      .openapi(calibrationRoute, async (c) => {
        admin(c);
        const { workflow } = c.req.valid('param');
        const q = c.req.valid('query');
        return c.json(await calibrationFigures(store, { workflow, since: q.since, modelVersion: q.modelVersion }), 200);
      })
      .openapi(recommendationRoute, async (c) => {
        admin(c);
        const { workflow } = c.req.valid('param');
        const q = c.req.valid('query');
        const policy = await loadPolicy(store, workflow);
        const target = q.target ?? policy.falseAutoTarget;
        return c.json(
          await recommendationFigures(store, { workflow, since: q.since }, { target, current: policy }),
          200,
        );
      })
      .openapi(simulateRoute, async (c) => {
        admin(c);
        const { workflow } = c.req.valid('param');
        const q = c.req.valid('query');
        if (q.reviewThreshold > q.autoThreshold)
          throw new ApiError(400, 'invalid_input', 'reviewThreshold must not be above autoThreshold');
        return c.json(
          await simulationFigures(store, { workflow, since: q.since }, q.autoThreshold, q.reviewThreshold),
          200,
        );
      })
      .openapi(autonomyRoute, async (c) => {
        admin(c);
        return c.json(await autonomyProposal(deps, c.req.valid('param').workflow), 200);
      })
      .openapi(acceptRoute, async (c) => {
        const user = admin(c);
        return c.json(await acceptProposal(deps, c.req.valid('param').workflow, c.req.valid('json'), user.id), 200);
      })
      .openapi(evaluateRoute, async (c) => {
        const user = admin(c);
        const { workflow } = c.req.valid('param');
        return c.json(await evaluateWorkflow(deps, workflow, user.id), 200);
      })
      .openapi(canaryRoute, async (c) => {
        const user = admin(c);
        const created = await plantCanaries(deps, c.req.valid('param').workflow, c.req.valid('json').count, user.id);
        return c.json({ created }, 200);
      });
  },
};

// ---- Across workflows -----------------------------------------------------------------------

const METRICS = '/v1/metrics';
const metricsRoute = route(
  METRICS,
  routes.metrics,
  'Governance metrics: rates, times, per reviewer, segment and model version (admin)',
  'The metrics of the window',
);

export const metricsRoutes: Resource = {
  prefix: METRICS,
  routes: (deps) =>
    newRouter().openapi(metricsRoute, async (c) => {
      admin(c);
      const q = c.req.valid('query');
      return c.json(
        await metricsFigures(deps.store, { workflow: q.workflow, since: q.since }, deps.now().getTime()),
        200,
      );
    }),
};

const GOVERNANCE = '/v1/governance';
const workflowsRoute = route(
  GOVERNANCE,
  routes.governanceWorkflows,
  'Workflows with drafts or a policy, for the dashboard (admin)',
  'Workflows and their policies',
);

export const governanceRoutes: Resource = {
  prefix: GOVERNANCE,
  routes: ({ store }) =>
    newRouter().openapi(workflowsRoute, async (c) => {
      admin(c);
      const counts = await draftsPerWorkflow(store);
      const stored = await store.db.selectFrom('workflows').select('workflow').execute();
      const names = [...new Set([...counts.keys(), ...stored.map((r) => r.workflow)])].sort();
      const workflows = [];
      for (const w of names) {
        const p = await loadPolicy(store, w);
        workflows.push({
          workflow: w,
          level: p.level,
          autoThreshold: p.autoThreshold,
          reviewThreshold: p.reviewThreshold,
          canaryRate: p.canaryRate,
          falseAutoTarget: p.falseAutoTarget,
          autoAdjust: p.autoAdjust,
          approvalAuditRate: p.approvalAuditRate,
          drafts: counts.get(w) ?? 0,
        });
      }
      return c.json({ workflows }, 200);
    }),
};

const EXPORT = '/v1/export';
// The 200 has no typed content: the body is JSON lines, each a FeedbackLine (the table's `lines`).
const exportRoute = route(
  EXPORT,
  routes.exportFeedback,
  'Decisions as JSONL: original, final, diff, reasons, confidence, model version (admin)',
  'One decision a line, application/x-ndjson; each line a FeedbackLine',
);

async function workflowExists(store: Store, workflow: string): Promise<boolean> {
  const d = await store.db
    .selectFrom('drafts')
    .select('id')
    .where('workflow', '=', workflow)
    .limit(1)
    .executeTakeFirst();
  if (d) return true;
  const w = await store.db
    .selectFrom('workflows')
    .select('workflow')
    .where('workflow', '=', workflow)
    .executeTakeFirst();
  return !!w;
}

export const exportRoutes: Resource = {
  prefix: EXPORT,
  routes: ({ store }) =>
    newRouter().openapi(exportRoute, async (c) => {
      admin(c);
      const q = c.req.valid('query');
      if (q.workflow && !(await workflowExists(store, q.workflow)))
        return c.body('', 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      return c.body(feedbackStream(store, q), 200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': 'attachment; filename="feedback.jsonl"',
      });
    }),
};
