import { z } from 'zod';
import { IsoDateTime, LIMITS } from './common';
import { Content, Site } from './draft';

/**
 * What happened to approved text in the page (issue 18): whether it reached the page when the
 * person approved, and what the page held when the person sent (email) or saved (CRM record) it,
 * discarded it or left. Reported by the extension through its outbox, exactly once per report id.
 */

/** How following the editor ended. `sent`/`saved` make the draft's `sent`; the others are kept as history. */
export const PageEnd = z.enum(['sent', 'saved', 'discarded', 'left']);
export type PageEnd = z.infer<typeof PageEnd>;

/** Why approved text did not reach the page (`reason` on a placement report). */
export const NotReachedReason = z.enum([
  'no_target', // no compose window / record for the draft's person is open
  'other_person', // a compose or record is open, but for someone else
  'refused', // the editor did not take the text
  'error',
]);
export type NotReachedReason = z.infer<typeof NotReachedReason>;

export const PageReport = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('placement'),
    /** Client-made uuid: the idempotency key. */
    id: z.uuid(),
    draftId: z.string().min(1).max(LIMITS.id),
    /** The approval this placement belongs to (its decision id). */
    decisionId: z.uuid(),
    reached: z.boolean(),
    reason: NotReachedReason.optional(),
    /** The page already held a changed version of the draft when the person approved (an edit in the page). */
    pageContent: Content.optional(),
    at: IsoDateTime,
  }),
  z.strictObject({
    kind: z.literal('end'),
    id: z.uuid(),
    draftId: z.string().min(1).max(LIMITS.id),
    decisionId: z.uuid(),
    end: PageEnd,
    /** What the editor(s) held at that moment, in the draft's content shape. */
    content: Content,
    at: IsoDateTime,
  }),
]);
export type PageReport = z.infer<typeof PageReport>;

export const PageReportsIn = z.strictObject({ reports: z.array(PageReport).min(1).max(200) });
export type PageReportsIn = z.infer<typeof PageReportsIn>;

/**
 * Per report: `applied` (stored), `duplicate` (this id was stored before), `waiting` (the approval
 * has not reached the server yet: send again later), `rejected` (with `error`: never send again).
 */
export const PageReportResult = z.object({
  id: z.string(),
  status: z.enum(['applied', 'duplicate', 'waiting', 'rejected']),
  error: z.string().optional(),
});
export type PageReportResult = z.infer<typeof PageReportResult>;
export const PageReportsOut = z.object({ results: z.array(PageReportResult) });
export type PageReportsOut = z.infer<typeof PageReportsOut>;

// ---- site health ----

/** A part of a recognised page that an adapter expects and may fail to find. */
export const HealthPart = z.enum(['compose', 'recipients', 'subject', 'body', 'record', 'fields', 'send']);
export type HealthPart = z.infer<typeof HealthPart>;

/** One counter: no page content, no personal data — site, selector version, part, day, count, times. */
export const HealthCount = z.strictObject({
  site: Site,
  selectorVersion: z.string().min(1).max(40),
  part: HealthPart,
  /** UTC day, YYYY-MM-DD. */
  day: z.iso.date(),
  count: z.number().int().min(1).max(1_000_000),
  firstAt: IsoDateTime,
  lastAt: IsoDateTime,
});
export type HealthCount = z.infer<typeof HealthCount>;

export const SiteHealthIn = z.strictObject({ counts: z.array(HealthCount).min(1).max(500) });
export type SiteHealthIn = z.infer<typeof SiteHealthIn>;
export const SiteHealthOut = z.object({ stored: z.number().int() });

export const PageHealthQuery = z.object({
  since: z.string().max(100).optional().describe('ISO-8601 time or date; default: the last 24 hours'),
  workflow: z.string().max(100).optional(),
});

/** `GET /v1/page-health` (admin): site health and whether approved text reached the page. */
export const PageHealthOut = z.object({
  since: IsoDateTime,
  sites: z.array(
    z.object({
      site: Site,
      selectorVersion: z.string(),
      part: HealthPart,
      count: z.number().int(),
      firstAt: IsoDateTime,
      lastAt: IsoDateTime,
      /** e.g. "Outlook: compose not recognised 37 times today (since 14:05)" */
      message: z.string(),
    }),
  ),
  approvals: z.object({
    /** Approvals (approve or edit, applied) in the window. */
    total: z.number().int(),
    reached: z.number().int(),
    notReached: z.number().int(),
    /** No placement report (approved elsewhere, e.g. the dashboard, or an older extension). */
    unknown: z.number().int(),
    /** Sent or saved from the page, and of those edited in the page. */
    sent: z.number().int(),
    editedInPage: z.number().int(),
  }),
});
export type PageHealthOut = z.infer<typeof PageHealthOut>;
