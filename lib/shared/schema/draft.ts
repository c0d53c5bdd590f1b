import { z } from 'zod';
import { HttpUrl, IsoDateTime, LIMITS, ShortText } from './common';
import { Specialty, UserId } from './user';

export const Site = z.enum(['gmail', 'outlook', 'hubspot', 'salesforce', 'pipedrive', 'other']);
export type Site = z.infer<typeof Site>;

export const DraftKind = z.enum(['email', 'crm_update', 'note']);
export type DraftKind = z.infer<typeof DraftKind>;

export const Target = z.object({
  site: Site.optional(),
  email: z.string().max(320).optional(),
  name: z.string().max(LIMITS.shortText).optional(),
  company: z.string().max(LIMITS.shortText).optional(),
  recordType: z.string().max(100).optional(),
  recordId: z.string().max(LIMITS.id).optional(),
  threadId: z.string().max(LIMITS.id).optional(),
  /**
   * Added (issue 15, notification links): the record's page (CRM record, email thread) when the
   * pipeline knows it. Notifications and the dashboard's draft view link to it; the unauthenticated
   * /open page never shows it.
   */
  url: HttpUrl.optional(),
});
export type Target = z.infer<typeof Target>;

export const AccountTier = z.enum(['named', 'standard']);
export type AccountTier = z.infer<typeof AccountTier>;

export const Account = z.object({
  name: ShortText,
  domain: z.string().max(253).optional(),
  tier: AccountTier.optional(),
  ownerId: UserId.optional(),
  dealValue: z.number().finite().min(0).max(1e12).optional(),
});
export type Account = z.infer<typeof Account>;

export const EmailContent = z.object({
  subject: z.string().max(LIMITS.label),
  body: z.string().max(LIMITS.text),
  to: z.string().max(1000).optional(),
});
export type EmailContent = z.infer<typeof EmailContent>;

export const CrmField = z.object({
  name: z.string().min(1).max(LIMITS.shortText),
  label: z.string().max(LIMITS.shortText).optional(),
  value: z.string().max(LIMITS.text),
  previous: z.string().max(LIMITS.text).optional(),
});
export type CrmField = z.infer<typeof CrmField>;

export const CrmUpdateContent = z.object({
  fields: z.array(CrmField).min(1).max(LIMITS.fields),
});
export type CrmUpdateContent = z.infer<typeof CrmUpdateContent>;

export const NoteContent = z.object({ text: z.string().max(LIMITS.text) });
export type NoteContent = z.infer<typeof NoteContent>;

/** Any draft content; which shape is valid depends on the draft's kind (see `contentSchemaFor`). */
export const Content = z.union([EmailContent, CrmUpdateContent, NoteContent]);
export type Content = z.infer<typeof Content>;

export function contentSchemaFor(kind: DraftKind) {
  return kind === 'email' ? EmailContent : kind === 'crm_update' ? CrmUpdateContent : NoteContent;
}

export const Evidence = z.object({
  label: z.string().min(1).max(LIMITS.label),
  snippet: z.string().max(LIMITS.snippet),
  url: HttpUrl.optional(),
  source: z.string().max(LIMITS.shortText).optional(),
  retrievedAt: IsoDateTime.optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Trigger = z.object({
  kind: ShortText,
  occurredAt: IsoDateTime,
  expiresAt: IsoDateTime.optional(),
});
export type Trigger = z.infer<typeof Trigger>;

export const ModelInfo = z.object({
  name: ShortText,
  version: ShortText,
  prompt: z.string().max(LIMITS.shortText).optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

// Top-level inputs are strict so a misspelt field is an error, not silently lost.
const draftInBase = {
  externalId: z.string().min(1).max(LIMITS.id),
  workflow: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ - only'),
  target: Target,
  account: Account,
  confidence: z.number().min(0).max(1),
  rationale: z.string().max(LIMITS.text),
  evidence: z.array(Evidence).max(LIMITS.evidence),
  flags: z.array(z.string().min(1).max(50)).max(LIMITS.flags).optional(),
  inbound: z.boolean().optional(),
  segment: z.string().min(1).max(LIMITS.shortText).optional(),
  trigger: Trigger.optional(),
  model: ModelInfo.optional(),
};

export const EmailDraftIn = z.strictObject({ ...draftInBase, kind: z.literal('email'), content: EmailContent });
export const CrmDraftIn = z.strictObject({ ...draftInBase, kind: z.literal('crm_update'), content: CrmUpdateContent });
export const NoteDraftIn = z.strictObject({ ...draftInBase, kind: z.literal('note'), content: NoteContent });

/** What the AI pipeline submits. `kind` decides the shape of `content`. */
export const DraftIn = z.discriminatedUnion('kind', [EmailDraftIn, CrmDraftIn, NoteDraftIn]);
export type DraftIn = z.infer<typeof DraftIn>;

export const DraftsIn = z.strictObject({ drafts: z.array(DraftIn).min(1).max(LIMITS.draftsPerPost) });
export type DraftsIn = z.infer<typeof DraftsIn>;

export const Route = z.enum(['auto', 'review', 'manual']);
export type Route = z.infer<typeof Route>;

/**
 * Lifecycle of a draft. `pending` and `escalated` wait for a person; the others are settled.
 * `awaiting_second` = one approval recorded, the two-person rule wants another person.
 */
export const DraftStatus = z.enum([
  'pending',
  'awaiting_second',
  'escalated',
  'approved',
  'rejected',
  'auto_approved',
  'withdrawn',
  /** v1.1 "Deadlines": `trigger.expiresAt` passed while it waited; out of every queue. */
  'expired',
]);
export type DraftStatus = z.infer<typeof DraftStatus>;

export const OPEN_STATUSES = ['pending', 'awaiting_second', 'escalated'] as const satisfies readonly DraftStatus[];

/**
 * Queue names: `review` (any reviewer), `manual` (a person writes it), `owner` (assignee = the
 * account owner), `specialist:<specialty>`, `audit` (auto-approved, sampled for audit),
 * `auto` (auto-approved), `admin` (repeated failures flagged to the workflow's admin).
 */
export const QueueName = z.string().max(100);

export const RoutingResult = z.object({
  route: Route,
  status: DraftStatus,
  assignee: UserId.nullable(),
  queue: QueueName,
  reasons: z.array(z.string()),
  secondReview: z.boolean(),
  /** Added to the contract: the specialty required, when routed to a specialist. */
  specialty: Specialty.optional(),
  /** Added: the draft was also sampled into the audit queue. */
  audit: z.boolean().optional(),
});
export type RoutingResult = z.infer<typeof RoutingResult>;

export const DraftResult = RoutingResult.extend({
  id: z.string(),
  externalId: z.string(),
  /**
   * Added (contract v1.1): this `externalId` was posted before with other content, confidence or
   * routing inputs; nothing changed, the result is the original one.
   */
  conflict: z.boolean().optional(),
});
export type DraftResult = z.infer<typeof DraftResult>;

export const DraftsOut = z.object({ results: z.array(DraftResult) });
export type DraftsOut = z.infer<typeof DraftsOut>;

/** `sent` on a draft (contract v1.1). */
export const Sent = z.object({
  content: Content,
  at: IsoDateTime,
  editedInPage: z.boolean(),
  /** Unified diff of `final` → `content` (jsdiff), present when edited in the page. */
  diff: z.string().optional(),
  /** `sent` (email) or `saved` (CRM record fields). */
  how: z.enum(['sent', 'saved']).optional(),
});
export type Sent = z.infer<typeof Sent>;

const draftOutExtra = {
  id: z.string(),
  route: Route,
  status: DraftStatus,
  assignee: UserId.nullable(),
  queue: QueueName,
  reasons: z.array(z.string()),
  secondReview: z.boolean(),
  createdAt: IsoDateTime,
  /** Added: server version of this row (the sync cursor is built from these). */
  version: z.number().int().nonnegative().optional(),
  /** Added: why the draft sits where it does in the queue. */
  priorityReason: z.string().optional(),
  /** Added: ids of the people who approved it so far (two-person rule). */
  approvedBy: z.array(UserId).optional(),
  /** Added: for settled drafts, the content to send (edited if it was edited). */
  final: Content.nullable().optional(),
  /** Added: who settled it, when (a conflicting reviewer sees this). */
  decidedBy: UserId.nullable().optional(),
  decidedAt: IsoDateTime.nullable().optional(),
  /** Added: the note left by whoever escalated it. */
  escalationNote: z.string().nullable().optional(),
  /**
   * Added (issue 15): the draft is settled (auto-approved, or a person's approval sampled for audit)
   * and sits in the `audit` queue with its audit check still to do: a reviewer can still decide it
   * (approve = it was right; edit or reject with reasons = it was not). Present (true) only then.
   */
  auditPending: z.boolean().optional(),
  /**
   * Added (issue 13, friction): a batch approval may cover it (never for a named account, a
   * specialist, a second review or the manual route; lib/shared/policy/friction.ts).
   */
  batchApprovable: z.boolean().optional(),
  /** Added (issue 13, friction): a plain Approve applies; false for a `manual` draft nobody has written yet. */
  oneClickApprove: z.boolean().optional(),
  /** Added (v1.1): what the page held when the person sent or saved the approved text. */
  sent: Sent.optional(),
  /** v1.1 "Claims": who is reviewing it now and until when (only while the claim holds). */
  claimedBy: UserId.nullable().optional(),
  claimedUntil: IsoDateTime.nullable().optional(),
  /** Added: the claim holder's display name ("Maya is reviewing"). */
  claimedByName: z.string().nullable().optional(),
  /**
   * Added (issue 16): the workflow thresholds the draft was routed with. The panel's confidence
   * labels come from them: high at or above `autoThreshold`, low below `reviewThreshold`.
   */
  thresholds: z
    .object({ autoThreshold: z.number().min(0).max(1), reviewThreshold: z.number().min(0).max(1) })
    .optional(),
};

// Output objects are not strict: a newer server may add fields, an older extension keeps working.
export const EmailDraft = z.object({
  ...draftInBase,
  kind: z.literal('email'),
  content: EmailContent,
  ...draftOutExtra,
});
export const CrmDraft = z.object({
  ...draftInBase,
  kind: z.literal('crm_update'),
  content: CrmUpdateContent,
  ...draftOutExtra,
});
export const NoteDraft = z.object({ ...draftInBase, kind: z.literal('note'), content: NoteContent, ...draftOutExtra });

/** A draft as the server returns it: the pipeline's fields plus routing and state. */
export const Draft = z.discriminatedUnion('kind', [EmailDraft, CrmDraft, NoteDraft]);
export type Draft = z.infer<typeof Draft>;

export const QueueOut = z.object({
  items: z.array(Draft),
  /** A pull cursor: pulling from it delivers every change after this answer's first page was read. */
  cursor: z.string(),
  /** v1.1 "The whole queue, in pages": pass as `?cursor=` for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
export type QueueOut = z.infer<typeof QueueOut>;

/** `GET /v1/drafts` query: the pipeline collects results in change order. */
export const DraftsQuery = z.object({
  status: z.string().max(300).optional().describe('comma-separated statuses, e.g. approved,rejected,auto_approved'),
  since: z
    .string()
    .max(100)
    .optional()
    .describe('a cursor from a previous response, or an ISO-8601 time (updated at or after)'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  workflow: z.string().max(100).optional(),
});

/** `GET /v1/drafts` answer: drafts changed since the cursor, and whether more follow. */
export const DraftsPage = z.object({ drafts: z.array(Draft), cursor: z.string(), hasMore: z.boolean() });
export type DraftsPage = z.infer<typeof DraftsPage>;
