import { z } from 'zod';
import { IsoDateTime, LIMITS } from './common';
import { DecisionRecord, DraftWithDecisions } from './decision';

/**
 * Webhooks (contract v1.1, "Webhooks (admin)"): what an admin subscribes to and what a receiver
 * gets. The server, the SDK's `verifyWebhook` and the MCP server all parse with these.
 */
export const WEBHOOK_EVENT_TYPES = [
  'draft.decided',
  'draft.escalated',
  'draft.expired',
  'draft.sent',
  'draft.auto_approved',
  'draft.audit_failed',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * A receiver URL: http(s), no user name or password in it (they would be sent to, and logged by,
 * every proxy on the way), no fragment.
 */
export const WebhookUrl = z
  .string()
  .max(LIMITS.url)
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    if (u.username || u.password)
      ctx.addIssue({
        code: 'custom',
        message: 'must not carry credentials (user:password@); the signature authenticates',
      });
    if (u.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  });

export const WebhookCreate = z.object({
  url: WebhookUrl,
  events: z.array(WebhookEventType).min(1).max(WEBHOOK_EVENT_TYPES.length),
  /** Only drafts of these workflows; absent = every workflow. */
  workflows: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
  description: z.string().max(LIMITS.label).optional(),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  /** null = every workflow. */
  workflows: z.array(z.string()).nullable(),
  description: z.string().nullable(),
  createdAt: IsoDateTime,
  /** The latest deliveries' standing (the dashboard's summary). */
  stats: z
    .object({
      pending: z.number().int(),
      failed: z.number().int(),
      delivered: z.number().int(),
      lastDeliveredAt: IsoDateTime.nullable(),
      lastFailureAt: IsoDateTime.nullable(),
      lastError: z.string().nullable(),
    })
    .optional(),
});
export type Webhook = z.infer<typeof Webhook>;

/** The answer to `POST /v1/webhooks`: the only time the secret is shown. */
export const WebhookCreated = Webhook.extend({ secret: z.string().startsWith('whsec_') });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

export const WebhookList = z.object({ webhooks: z.array(Webhook) });
export type WebhookList = z.infer<typeof WebhookList>;

/** `pending` = still to be sent (or retried), `delivered` = a 2xx settled it, `failed` = retries ran out. */
export const DeliveryState = z.enum(['pending', 'delivered', 'failed']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const WebhookDelivery = z.object({
  id: z.string(),
  /** The `webhook-id` header: the same on every attempt of this delivery. */
  eventId: z.string(),
  type: WebhookEventType,
  draftId: z.string(),
  state: DeliveryState,
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  /** The latest failed attempt's error (kept once a later attempt went through). */
  lastError: z.string().nullable(),
  lastAttemptAt: IsoDateTime.nullable(),
  nextAttemptAt: IsoDateTime.nullable(),
  deliveredAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveries = z.object({ deliveries: z.array(WebhookDelivery) });
export const WebhookDeliveriesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  state: DeliveryState.optional(),
});

/** The body a receiver gets (Standard Webhooks: `type`, `timestamp`, `data`). */
export const WebhookEvent = z.object({
  type: WebhookEventType,
  timestamp: IsoDateTime,
  data: z.object({
    /** The draft as `GET /v1/drafts/{id}` returned it when the event happened. */
    draft: DraftWithDecisions,
    /** The decision that caused the event (decided, escalated, audit_failed). */
    decision: DecisionRecord.optional(),
  }),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** `GET /v1/drafts/{id}?wait=` (contract v1.1, "Waiting for a decision"). */
export const DraftQuery = z.object({
  wait: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .optional()
    .describe('seconds (1–60) to wait while the draft waits for a person'),
});
