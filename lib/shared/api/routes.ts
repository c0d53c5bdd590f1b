import { z } from 'zod';
import {
  AcceptBody,
  Accountability,
  AccountabilityQuery,
  AlertsOut,
  AlertsQuery,
  AuditOut,
  AuditQuery,
  AutonomyOut,
  Calibration,
  CalibrationItems,
  CalibrationJudgementsIn,
  CalibrationJudgementsOut,
  CalibrationQuery,
  CalibrationResults,
  CalibrationSession,
  CalibrationSessionCreate,
  CalibrationSessionList,
  CanaryBody,
  CanaryOut,
  ClaimOut,
  DecisionsIn,
  DecisionsOut,
  DraftQuery,
  DraftsIn,
  DraftsOut,
  DraftsPage,
  DraftsQuery,
  DraftWithDecisions,
  EvaluateOut,
  ExportQuery,
  FeedbackLine,
  GovernanceWorkflows,
  Health,
  LIMITS,
  Me,
  Metrics,
  MetricsQuery,
  NotificationPrefs,
  OutcomesIn,
  OutcomesOut,
  PageHealthOut,
  PageHealthQuery,
  PageReportsIn,
  PageReportsOut,
  PullOut,
  PullQuery,
  QueueOut,
  QueueQuery,
  Recommendation,
  RecommendationQuery,
  ReleaseOut,
  RotationCap,
  RotationOut,
  SimulationOut,
  SimulationQuery,
  SiteHealthIn,
  SiteHealthOut,
  SlaPolicies,
  SlaPolicy,
  WebhookCreate,
  WebhookCreated,
  WebhookDeliveries,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookList,
  WorkflowChannelsIn,
  WorkflowChannelsOut,
  WorkflowName,
  WorkflowPolicy,
  WorkflowPolicyPatch,
  WorkflowPolicyView,
} from '../schema';

/**
 * One route of the review server's API (docs/contract.md): the server builds its OpenAPI routes
 * from these (server/routes/*), the extension's API client calls them by name (api-client.ts).
 */
export interface ApiRoute {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** Path template; `{name}` is a path parameter, filled in URL-encoded from `params`. */
  readonly path: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** The JSON request body. POST and PUT always carry one (`{}` when the route takes none). */
  readonly body?: z.ZodType;
  /** The JSON body of the 200 answer. */
  readonly response?: z.ZodType;
  /** Instead of `response`: the answer is JSON lines (application/x-ndjson), each one of these. */
  readonly lines?: z.ZodType;
}

const DraftParams = z.object({ id: z.string().min(1).max(LIMITS.id) });
const WorkflowParams = z.object({ workflow: WorkflowName });
const WebhookParams = z.object({ id: z.string().min(1).max(LIMITS.id) });
const SessionParams = z.object({ id: z.string().min(1).max(LIMITS.id) });
const DeliveryParams = z.object({
  id: z.string().min(1).max(LIMITS.id),
  deliveryId: z.string().min(1).max(LIMITS.id),
});

/** Every route of the API, by name. Roles and errors: docs/contract.md and `GET /openapi.json`. */
export const routes = {
  health: { method: 'get', path: '/v1/health', response: Health },
  me: { method: 'get', path: '/v1/me', response: Me },

  postDrafts: { method: 'post', path: '/v1/drafts', body: DraftsIn, response: DraftsOut },
  listDrafts: { method: 'get', path: '/v1/drafts', query: DraftsQuery, response: DraftsPage },
  getDraft: {
    method: 'get',
    path: '/v1/drafts/{id}',
    params: DraftParams,
    query: DraftQuery,
    response: DraftWithDecisions,
  },

  getWorkflow: {
    method: 'get',
    path: '/v1/workflows/{workflow}',
    params: WorkflowParams,
    response: WorkflowPolicyView,
  },
  putWorkflow: {
    method: 'put',
    path: '/v1/workflows/{workflow}',
    params: WorkflowParams,
    body: WorkflowPolicyPatch,
    response: WorkflowPolicy,
  },

  queue: { method: 'get', path: '/v1/queue', query: QueueQuery, response: QueueOut },
  pull: { method: 'get', path: '/v1/sync/pull', query: PullQuery, response: PullOut },
  /** Server-sent events (text/event-stream), not JSON: the extension reads it with fetch (lib/worker/live.ts). */
  stream: { method: 'get', path: '/v1/sync/stream' },

  // Live team review (issue 15).
  claim: { method: 'post', path: '/v1/drafts/{id}/claim', params: DraftParams, response: ClaimOut },
  releaseClaim: { method: 'delete', path: '/v1/drafts/{id}/claim', params: DraftParams, response: ReleaseOut },
  listSlas: { method: 'get', path: '/v1/slas', response: SlaPolicies },
  putSla: { method: 'put', path: '/v1/slas', body: SlaPolicy, response: SlaPolicies },
  getNotifications: { method: 'get', path: '/v1/me/notifications', response: NotificationPrefs },
  putNotifications: {
    method: 'put',
    path: '/v1/me/notifications',
    body: NotificationPrefs,
    response: NotificationPrefs,
  },
  getRotation: {
    method: 'get',
    path: '/v1/workflows/{workflow}/rotation',
    params: WorkflowParams,
    response: RotationOut,
  },
  putRotation: {
    method: 'put',
    path: '/v1/workflows/{workflow}/rotation',
    params: WorkflowParams,
    body: RotationCap,
    response: RotationOut,
  },
  getChannels: {
    method: 'get',
    path: '/v1/workflows/{workflow}/channels',
    params: WorkflowParams,
    response: WorkflowChannelsOut,
  },
  putChannels: {
    method: 'put',
    path: '/v1/workflows/{workflow}/channels',
    params: WorkflowParams,
    body: WorkflowChannelsIn,
    response: WorkflowChannelsOut,
  },
  decisions: { method: 'post', path: '/v1/decisions', body: DecisionsIn, response: DecisionsOut },
  outcomes: { method: 'post', path: '/v1/outcomes', body: OutcomesIn, response: OutcomesOut },
  audit: { method: 'get', path: '/v1/audit', query: AuditQuery, response: AuditOut },

  // What happened to approved text in the page (issue 18): reviewer roles report, admins read.
  pageReports: { method: 'post', path: '/v1/page-reports', body: PageReportsIn, response: PageReportsOut },
  siteHealth: { method: 'post', path: '/v1/site-health', body: SiteHealthIn, response: SiteHealthOut },
  pageHealth: { method: 'get', path: '/v1/page-health', query: PageHealthQuery, response: PageHealthOut },

  // Governance (admin).
  calibration: {
    method: 'get',
    path: '/v1/workflows/{workflow}/calibration',
    params: WorkflowParams,
    query: CalibrationQuery,
    response: Calibration,
  },
  recommendation: {
    method: 'get',
    path: '/v1/workflows/{workflow}/recommendation',
    params: WorkflowParams,
    query: RecommendationQuery,
    response: Recommendation,
  },
  simulate: {
    method: 'get',
    path: '/v1/workflows/{workflow}/simulate',
    params: WorkflowParams,
    query: SimulationQuery,
    response: SimulationOut,
  },
  autonomy: { method: 'get', path: '/v1/workflows/{workflow}/autonomy', params: WorkflowParams, response: AutonomyOut },
  acceptAutonomy: {
    method: 'post',
    path: '/v1/workflows/{workflow}/autonomy/accept',
    params: WorkflowParams,
    body: AcceptBody,
    response: AutonomyOut,
  },
  evaluate: {
    method: 'post',
    path: '/v1/workflows/{workflow}/evaluate',
    params: WorkflowParams,
    response: EvaluateOut,
  },
  plantCanaries: {
    method: 'post',
    path: '/v1/workflows/{workflow}/canaries',
    params: WorkflowParams,
    body: CanaryBody,
    response: CanaryOut,
  },
  metrics: { method: 'get', path: '/v1/metrics', query: MetricsQuery, response: Metrics },
  alerts: { method: 'get', path: '/v1/alerts', query: AlertsQuery, response: AlertsOut },
  accountability: { method: 'get', path: '/v1/accountability', query: AccountabilityQuery, response: Accountability },
  governanceWorkflows: { method: 'get', path: '/v1/governance/workflows', response: GovernanceWorkflows },
  // Webhooks (admin; contract v1.1). `createWebhook` answers 201.
  createWebhook: { method: 'post', path: '/v1/webhooks', body: WebhookCreate, response: WebhookCreated },
  listWebhooks: { method: 'get', path: '/v1/webhooks', response: WebhookList },
  deleteWebhook: {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    params: WebhookParams,
    response: z.object({ deleted: z.boolean() }),
  },
  webhookDeliveries: {
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    params: WebhookParams,
    query: WebhookDeliveriesQuery,
    response: WebhookDeliveries,
  },
  retryDelivery: {
    method: 'post',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/retry',
    params: DeliveryParams,
    response: WebhookDelivery,
  },
  // Calibration sessions (issue 16): admins create, close and read results; reviewers judge blind.
  createCalibrationSession: {
    method: 'post',
    path: '/v1/calibration-sessions',
    body: CalibrationSessionCreate,
    response: CalibrationSession,
  },
  listCalibrationSessions: { method: 'get', path: '/v1/calibration-sessions', response: CalibrationSessionList },
  calibrationItems: {
    method: 'get',
    path: '/v1/calibration-sessions/{id}/items',
    params: SessionParams,
    response: CalibrationItems,
  },
  putCalibrationJudgements: {
    method: 'put',
    path: '/v1/calibration-sessions/{id}/judgements',
    params: SessionParams,
    body: CalibrationJudgementsIn,
    response: CalibrationJudgementsOut,
  },
  closeCalibrationSession: {
    method: 'post',
    path: '/v1/calibration-sessions/{id}/close',
    params: SessionParams,
    response: CalibrationResults,
  },
  calibrationResults: {
    method: 'get',
    path: '/v1/calibration-sessions/{id}/results',
    params: SessionParams,
    response: CalibrationResults,
  },
  exportFeedback: { method: 'get', path: '/v1/export/feedback.jsonl', query: ExportQuery, lines: FeedbackLine },
} as const satisfies Record<string, ApiRoute>;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
