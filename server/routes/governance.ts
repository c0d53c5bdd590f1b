import { createRoute, z } from '@hono/zod-openapi';
import { calibrationOf } from '../../lib/shared/policy/calibration';
import { computeMetrics } from '../../lib/shared/policy/metrics';
import { recommend } from '../../lib/shared/policy/recommendation';
import { simulate, thresholdCurve } from '../../lib/shared/policy/simulate';
import { ErrorBody } from '../../lib/shared/schema';
import {
  AcceptBody,
  AutonomyOut,
  Calibration,
  CalibrationQuery,
  CanaryBody,
  CanaryOut,
  EvaluateOut,
  ExportQuery,
  GovernanceWorkflows,
  Metrics,
  MetricsQuery,
  Recommendation,
  RecommendationQuery,
  SimulationOut,
  SimulationQuery,
} from '../../lib/shared/schema/governance';
import { type AppContext, bearerSecurity, newRouter, type RouteModule, requireRole } from '../context';
import { ApiError } from '../errors';
import {
  acceptProposal,
  autonomyProposal,
  evaluateWorkflow,
  exportFeedback,
  loadItems,
  loadPolicy,
  plantCanaries,
  startEvaluator,
} from '../service/governance';
import type { Store } from '../store';

// Governance (issue 6) routes: calibration, recommendation, simulation, metrics, autonomy, canaries
// and the feedback export, admin only. The figures come from the pure functions in lib/policy on data
// loaded by server/service/governance.ts, which also evaluates workflows and plants canaries.

const ADMIN = ['admin'] as const;
const WorkflowParam = z.object({
  workflow: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/),
});
const errors = {
  400: { description: 'Invalid input', content: { 'application/json': { schema: ErrorBody } } },
  401: { description: 'No or unknown token', content: { 'application/json': { schema: ErrorBody } } },
  403: { description: 'Not an admin', content: { 'application/json': { schema: ErrorBody } } },
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
  ...errors,
});

// ---- Routes --------------------------------------------------------------------------------

const calibrationRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow}/calibration',
  summary: 'Reliability diagram, ECE and Brier score of a workflow (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam, query: CalibrationQuery },
  responses: json(Calibration, 'Calibration over 10 equal-width bins'),
});

const recommendationRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow}/recommendation',
  summary: 'Recommended thresholds for a target false-auto-approval rate (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam, query: RecommendationQuery },
  responses: json(Recommendation, 'The recommendation and its reasons'),
});

const simulateRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow}/simulate',
  summary: 'What-if for a pair of thresholds on recent drafts (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam, query: SimulationQuery },
  responses: json(SimulationOut, 'Simulated routing, load and expected errors'),
});

const autonomyRoute = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflow}/autonomy',
  summary: 'Graduation proposal (or step back) with the numbers behind it (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam },
  responses: json(AutonomyOut, 'The proposal, or what is still missing'),
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflow}/autonomy/accept',
  summary: 'Accept the current graduation proposal (admin); audited with its evidence',
  security: bearerSecurity,
  request: { params: WorkflowParam, body: { content: { 'application/json': { schema: AcceptBody } } } },
  responses: {
    ...json(AutonomyOut, 'The workflow after the change'),
    409: { description: 'The proposal is no longer supported', content: { 'application/json': { schema: ErrorBody } } },
  },
});

const evaluateRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflow}/evaluate',
  summary: 'Run step-back and (opted-in) threshold auto-adjustment now (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam },
  responses: json(EvaluateOut, 'What was applied, with reasons'),
});

const canaryRoute = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflow}/canaries',
  summary: 'Plant canaries now, made from pending review drafts (admin)',
  security: bearerSecurity,
  request: { params: WorkflowParam, body: { content: { 'application/json': { schema: CanaryBody } } } },
  responses: json(CanaryOut, 'How many canaries were planted'),
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics',
  summary: 'Governance metrics: rates, times, per reviewer, segment and model version (admin)',
  security: bearerSecurity,
  request: { query: MetricsQuery },
  responses: json(Metrics, 'The metrics of the window'),
});

const workflowsRoute = createRoute({
  method: 'get',
  path: '/v1/governance/workflows',
  summary: 'Workflows with drafts or a policy, for the dashboard (admin)',
  security: bearerSecurity,
  responses: json(GovernanceWorkflows, 'Workflows and their policies'),
});

const exportRoute = createRoute({
  method: 'get',
  path: '/v1/export/feedback.jsonl',
  summary: 'Decisions as JSONL: original, final, diff, reasons, confidence, model version (admin)',
  security: bearerSecurity,
  request: { query: ExportQuery },
  responses: {
    // No typed content: the body is JSONL text (see FeedbackLine in lib/schema/governance.ts).
    200: { description: 'One decision a line, application/x-ndjson; each line a FeedbackLine' },
    ...errors,
  },
});

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

export const governanceRoutes: RouteModule = (deps) => {
  const { store } = deps;
  startEvaluator(deps);
  const admin = (c: AppContext) => requireRole(c, ADMIN);
  return newRouter()
    .openapi(calibrationRoute, async (c) => {
      admin(c);
      const { workflow } = c.req.valid('param');
      const q = c.req.valid('query');
      const items = await loadItems(store, { workflow, since: q.since, modelVersion: q.modelVersion });
      return c.json(calibrationOf(items), 200);
    })
    .openapi(recommendationRoute, async (c) => {
      admin(c);
      const { workflow } = c.req.valid('param');
      const q = c.req.valid('query');
      const policy = await loadPolicy(store, workflow);
      const items = await loadItems(store, { workflow, since: q.since });
      return c.json(recommend(items, { target: q.target ?? policy.falseAutoTarget, current: policy }), 200);
    })
    .openapi(simulateRoute, async (c) => {
      admin(c);
      const { workflow } = c.req.valid('param');
      const q = c.req.valid('query');
      if (q.reviewThreshold > q.autoThreshold)
        throw new ApiError(400, 'invalid_input', 'reviewThreshold must not be above autoThreshold');
      const items = await loadItems(store, { workflow, since: q.since });
      return c.json({ ...simulate(items, q.autoThreshold, q.reviewThreshold), curve: thresholdCurve(items) }, 200);
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
    })
    .openapi(metricsRoute, async (c) => {
      admin(c);
      const q = c.req.valid('query');
      const items = await loadItems(store, { workflow: q.workflow, since: q.since });
      return c.json(computeMetrics(items, { since: q.since ?? null, now: deps.now().getTime() }), 200);
    })
    .openapi(workflowsRoute, async (c) => {
      admin(c);
      const counts = await store.db
        .selectFrom('drafts')
        .select(['workflow', (eb) => eb.fn.countAll<number>().as('n')])
        .where('canary', '=', false)
        .groupBy('workflow')
        .execute();
      const stored = await store.db.selectFrom('workflows').select('workflow').execute();
      const names = [...new Set([...counts.map((r) => r.workflow), ...stored.map((r) => r.workflow)])].sort();
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
          drafts: Number(counts.find((r) => r.workflow === w)?.n ?? 0),
        });
      }
      return c.json({ workflows }, 200);
    })
    .openapi(exportRoute, async (c) => {
      admin(c);
      const q = c.req.valid('query');
      if (q.workflow && !(await workflowExists(store, q.workflow)))
        return c.body('', 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      const lines = await exportFeedback(store, q);
      return c.body(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'content-disposition': 'attachment; filename="feedback.jsonl"',
      });
    });
};
