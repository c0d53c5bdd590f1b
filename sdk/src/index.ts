/**
 * Countersign SDK: the pipeline's side of the review server (docs/contract.md).
 * - `Countersign`: submitDrafts, getDraft, waitForDecision, recordOutcome (typed by the server's
 *   own zod schemas, retries with backoff honouring Retry-After).
 * - `verifyWebhook` and request handlers for Node's http, the Fetch API / Hono, and Express.
 * - Adapters: `@countersign/sdk/langgraph` (Agent Inbox), `@countersign/sdk/openai-agents` (needsApproval).
 */
export type {
  DraftIn,
  DraftResult,
  DraftStatus,
  DraftWithDecisions,
  Outcome,
  WebhookEvent,
  WebhookEventType,
} from '../../lib/shared/schema';
export {
  ApiError,
  Countersign,
  type CountersignOptions,
  DecisionTimeoutError,
  isWaiting,
  type RetryOptions,
  type WaitOptions,
} from './client';
export {
  expressWebhookHandler,
  fetchWebhookHandler,
  honoWebhookHandler,
  InvalidWebhookError,
  nodeWebhookHandler,
  type OnWebhook,
  type VerifiedWebhook,
  verifyWebhook,
} from './webhooks';
