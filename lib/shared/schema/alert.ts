import { z } from 'zod';

/**
 * Governance alerts (issue 16 §5): raised by the server's timers when a condition holds, once per
 * episode (deduplicated while open), closed when the condition clears; delivered through the
 * notification preferences of issue 15 (`GET/PUT /v1/me/notifications`).
 */
export const ALERT_KINDS = [
  'segment_failures',
  'queue_backlog',
  'escalation_surge',
  'rubber_stamping',
  'false_auto_rate',
] as const;
export const AlertKind = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: z.string(),
  kind: AlertKind,
  /** What the alert is about: `<workflow>/<segment>`, a queue, a reviewer's id, a workflow. */
  scope: z.string(),
  workflow: z.string().nullable(),
  /** One sentence for a team lead, with the figures. */
  message: z.string(),
  detail: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  /** Batched count (escalation surge: escalations in the episode; backlog: drafts waiting). */
  count: z.number().int(),
  openedAt: z.string(),
  lastSeenAt: z.string(),
  closedAt: z.string().nullable(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertsQuery = z.object({
  state: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const AlertsOut = z.object({ alerts: z.array(Alert) });
export type AlertsOut = z.infer<typeof AlertsOut>;
