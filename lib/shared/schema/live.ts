import { z } from 'zod';
import { IsoDateTime } from './common';
import { UserId } from './user';

/**
 * Live team review (contract v1.1 "Claims", "The whole queue, in pages", "Live updates";
 * issue 15): claims, queue paging, SLAs, notifications, rotation caps.
 */

/** `GET /v1/queue` query. `cursor` is a page cursor (a previous answer's `nextCursor`). */
export const QueueQuery = z.object({
  cursor: z.string().max(200).optional(),
  workflow: z.string().min(1).max(100).optional(),
  segment: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
export type QueueQuery = z.infer<typeof QueueQuery>;

/** `POST /v1/drafts/{id}/claim` → the claim as it now holds. */
export const ClaimOut = z.object({ claimedBy: UserId, until: IsoDateTime, claimedByName: z.string().optional() });
export type ClaimOut = z.infer<typeof ClaimOut>;

/** `DELETE /v1/drafts/{id}/claim`. */
export const ReleaseOut = z.object({ released: z.boolean() });

/** The `changes` event's data on `GET /v1/sync/stream`. */
export const StreamChanges = z.object({ cursor: z.string() });
export type StreamChanges = z.infer<typeof StreamChanges>;

/** `PUT /v1/slas` (admin): the SLA of a queue, per workflow ('*' = every workflow). */
export const SlaPolicy = z.object({
  workflow: z.string().min(1).max(100).default('*'),
  /** `owner`, `review`, `manual`, `specialist:<x>`, `specialist:*`, `admin`. */
  queue: z.string().min(1).max(100),
  /** Time a draft may wait in this queue before it is offered to the backup. */
  minutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 30),
  /** Who gets it then; default: another owner → the admins (owner queue), the admins otherwise. */
  backup: UserId.nullable().optional(),
});
export type SlaPolicy = z.infer<typeof SlaPolicy>;
export const SlaPolicies = z.object({ policies: z.array(SlaPolicy) });

export const NOTIFY_EVENTS = [
  'escalated_to_you',
  'named_account_waiting',
  'deadline_at_risk',
  'sla_breached',
  'repeated_failures',
  // Added: the SLA's 75% reminder, apart from the trigger deadline's `deadline_at_risk` (a draft
  // can be close to both; each is told once). A preference listing `deadline_at_risk` gets it too.
  'sla_at_risk',
  // Added (issue 16): governance alerts; a segment's repeated failures go out as `repeated_failures`.
  'queue_backlog',
  'escalation_surge',
  'rubber_stamping',
  'false_auto_rate',
] as const;
export const NotifyEvent = z.enum(NOTIFY_EVENTS);
export type NotifyEvent = z.infer<typeof NotifyEvent>;

/** `PUT /v1/me/notifications`: where the caller wants to hear about drafts waiting for them. */
export const NotificationPref = z.object({
  channel: z.enum(['email', 'slack']),
  /** An email address (`email`) or a Slack-compatible incoming-webhook URL (`slack`). */
  target: z.string().min(3).max(2000),
  workflow: z.string().min(1).max(100).default('*'),
  /** Collect into one message every digest period instead of one message each. */
  digest: z.boolean().default(false),
  /** Empty = every event. */
  events: z.array(NotifyEvent).default([]),
});
export type NotificationPref = z.infer<typeof NotificationPref>;
export const NotificationPrefs = z.object({ preferences: z.array(NotificationPref).max(50) });
export type NotificationPrefs = z.infer<typeof NotificationPrefs>;

/** `PUT /v1/workflows/{workflow}/rotation` (admin): nobody reviews more than this share of a segment's or model version's drafts a day. */
export const RotationCap = z.object({
  maxShare: z.number().gt(0).max(1),
  /** The cap starts counting after this many decided drafts of the segment that day. */
  minDrafts: z.number().int().min(0).max(10_000).default(5),
});
export type RotationCap = z.infer<typeof RotationCap>;
export const RotationOut = z.object({ workflow: z.string(), maxShare: z.number().nullable(), minDrafts: z.number() });

/**
 * What a workflow's team channel gets when its `events` is empty: the events about the
 * workflow's drafts (an escalation, a named-account draft waiting, a deadline or SLA at risk or
 * passed, a segment's repeated failures). Governance alerts reach it only when listed.
 */
export const TEAM_EVENTS = [
  'escalated_to_you',
  'named_account_waiting',
  'deadline_at_risk',
  'sla_at_risk',
  'sla_breached',
  'repeated_failures',
] as const satisfies readonly NotifyEvent[];

/** One team channel of a workflow (`PUT /v1/workflows/{workflow}/channels`, admin). */
export const WorkflowChannel = z.object({
  kind: z.enum(['email', 'slack']),
  /** An email address (`email`) or a Slack-compatible incoming-webhook URL (`slack`, http(s), no credentials). */
  target: z.string().min(3).max(2000),
  /** Collect into one message every digest period instead of one message each. */
  digest: z.boolean().default(false),
  /** Empty = the team events (TEAM_EVENTS). */
  events: z.array(NotifyEvent).max(NOTIFY_EVENTS.length).default([]),
});
export type WorkflowChannel = z.infer<typeof WorkflowChannel>;
export const WorkflowChannelsIn = z.object({ channels: z.array(WorkflowChannel).max(20) });
export type WorkflowChannelsIn = z.infer<typeof WorkflowChannelsIn>;
export const WorkflowChannelsOut = z.object({
  workflow: z.string(),
  channels: z.array(WorkflowChannel.extend({ updatedAt: IsoDateTime, updatedBy: z.string() })),
});
export type WorkflowChannelsOut = z.infer<typeof WorkflowChannelsOut>;
