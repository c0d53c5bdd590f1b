/**
 * The message protocol between the extension's contexts (its data shapes; the two halves that
 * speak it are lib/worker/messaging.ts and lib/client/messaging.ts). The service worker owns
 * IndexedDB and the server token; content scripts and extension pages reach them only through
 * these requests and events. See docs/architecture.md.
 *
 * Requests (runtime.sendMessage, envelope `{ countersign: 1, type, payload }`), answered with
 * `{ ok: true, data } | { ok: false, error: { code, message } }`:
 *
 *   type            payload                                   data
 *   getDrafts       { context: PageContext | null }           DraftsView  { matching, matchingTotal, others, othersTotal, status }
 *                   drafts matching the page (best match first), then the rest of my queue
 *   saveDecision    { decision: Decision, sendAfter? }        { saved: true, decisionId } — sent the moment the person
 *                   decides, with `sendAfter` = the end of the panel's undo window: the worker holds it
 *                   (in IndexedDB, so a closed or crashed tab loses nothing) and pushes it after that
 *                   time. Saved again without `sendAfter`, it goes at once. The worker answers only once
 *                   the outbox row is committed. Idempotent on decision.id: a retry never makes a second decision.
 *   cancelDecision  { decisionId }                            { cancelled } — Undo: takes back a held decision;
 *                   false when it is no longer held (too late to take back).
 *   getStatus       {}                                        SyncStatus
 *   syncNow         {}                                        SyncStatus (after the attempt)
 *   dismissProblem  { key }                                   SyncStatus (removes one "needs attention" item)
 *   getConnection   {}                                        Connection | null (server URL and user, no token)
 *   connect         { serverUrl, token }                      ConnectResult       ┐
 *   disconnect      {}                                        { disconnected }    │ extension pages only
 *   getApiAccess    {}                                        { serverUrl, token }│ (PAGES_ONLY)
 *   syncSandbox     {}                                        { on }              │
 *   syncOpenLink    {}                                        { on }              ┘
 *   reportPage      { report: PageReport }                    { saved: true } — page-report outbox (issue 18)
 *   reportHealth    { site, selectorVersion, parts }          { counted } — site-health counters (issue 18)
 *   getLocalDecision { draftId }                              { local } — my latest decision on it made here
 *                   (held, waiting, done, conflict, rejected + the server's reason): the dashboard's draft view
 *   getLocalDraft   { draftId }                               { draft, syncedAt } — this browser's copy of it as last
 *                   pulled (extension pages only): the draft view's fallback when the server cannot be reached
 *   openDraft       { draftId }                               { opened } — from the open-link content script on
 *                   the server's /open/{id} page only (the sender's URL is checked): shows the draft in the
 *                   dashboard's draft view, in that tab. Decides nothing.
 *
 * Events (a long-lived runtime Port named `countersign:events`, one per tab/page):
 *   client → worker  { type: 'hello', reason: 'open' | 'reconnect' }   'open' = panel/popup opened → sync
 *   worker → client  { type: 'changed', draftIds?, status }             refetch with getDrafts
 *
 * Conflicts and problems: each QueueItem has `local` (my decision here: pending | done | conflict
 * with `decidedBy` | rejected with `error`); `SyncStatus.attention` is the "needs attention" list
 * (conflict, rejected, malformed_draft) and `SyncStatus.problem` the current sync problem (offline,
 * unauthorized = paused until the person connects again, …). Error codes in replies:
 * invalid_message, forbidden_sender, not_connected, worker_unavailable (client side), internal.
 *
 * Every payload is parsed with zod on receipt on both sides.
 */

import { z } from 'zod';
import { OPEN_ID } from './common';
import { Decision, DecisionAction } from './decision';
import { Draft, Site } from './draft';
import { HealthPart, PageReport } from './page';
import { Me, Role } from './user';

/**
 * What is in front of the person right now, as read from the page by a site adapter
 * (lib/page/sites). The panel sends it with `getDrafts` so the drafts for this record or thread come first.
 */
export const PageContext = z.object({
  site: Site,
  /** Prospect email addresses visible in the current thread, compose window or record (lower-case). */
  emails: z.array(z.string().max(320)).max(200),
  /** People's names visible in the context (the prospect's, not the user's). */
  names: z.array(z.string().max(200)).max(200),
  company: z.string().max(200).optional(),
  recordType: z.string().max(100).optional(),
  recordId: z.string().max(200).optional(),
  threadId: z.string().max(200).optional(),
  /** A compose window (or an editable record form) is open and can receive text. */
  editable: z.boolean(),
});
export type PageContext = z.infer<typeof PageContext>;

/**
 * Where a decision made in this browser stands: saved here and not yet acknowledged (`pending`),
 * applied or duplicate on the server (`done`), settled by someone else first (`conflict`), or refused
 * (`rejected`). The outbox rows (lib/worker/db) and the panel's queue items use this one enum.
 */
export const SyncState = z.enum(['pending', 'done', 'conflict', 'rejected']);
export type SyncState = z.infer<typeof SyncState>;

/** What happened to this person's decision on a draft, as far as this browser knows. */
export const LocalDecision = z.object({
  decisionId: z.string(),
  action: DecisionAction,
  decidedAt: z.string(),
  sync: SyncState,
  /** For conflict: who settled the draft instead. */
  decidedBy: z.string().nullable().optional(),
  /** For rejected: the server's message. */
  error: z.string().optional(),
});
export type LocalDecision = z.infer<typeof LocalDecision>;

export const QueueItem = z.object({
  draft: Draft,
  local: LocalDecision.nullable(),
});
export type QueueItem = z.infer<typeof QueueItem>;

/** An item of the "needs attention" list (popup, panel). */
export const AttentionItem = z.object({
  key: z.string(),
  kind: z.enum(['conflict', 'rejected', 'malformed_draft']),
  draftId: z.string().nullable(),
  decisionId: z.string().nullable(),
  message: z.string(),
  decidedBy: z.string().nullable().optional(),
  at: z.string(),
});
export type AttentionItem = z.infer<typeof AttentionItem>;

export const Problem = z.object({
  code: z.enum(['not_connected', 'unauthorized', 'offline', 'server_error', 'invalid_response', 'storage']),
  message: z.string(),
});
export type Problem = z.infer<typeof Problem>;

/** Decisions saved here for another account (person or server) and not yet sent. */
export const UnsentAccount = z.object({
  serverUrl: z.string(),
  userId: z.string(),
  userName: z.string(),
  count: z.number().int(),
});
export type UnsentAccount = z.infer<typeof UnsentAccount>;

export const SyncStatus = z.object({
  connected: z.boolean(),
  /** Who is connected (never the token). */
  user: z.object({ id: z.string(), name: z.string(), role: Role }).nullable(),
  /** Sync stopped until the person connects again (401). */
  paused: z.boolean(),
  syncing: z.boolean(),
  /** Drafts waiting for me (the toolbar badge). */
  waiting: z.number().int(),
  /** Decisions saved here and not yet acknowledged by the server. */
  unsynced: z.number().int(),
  lastSyncAt: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
  problem: Problem.nullable(),
  attention: z.array(AttentionItem),
  /**
   * Decisions of other accounts (another person or server, or made before a Disconnect) kept here and
   * not yet sent: they go out when that account connects again. Never silently dropped.
   */
  elsewhere: z.array(UnsentAccount).optional(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** A draft that left my queue because someone else settled it ("Maya approved this a moment ago"). */
export const RecentSettled = z.object({
  draftId: z.string(),
  /** What the card was titled (subject, or the account). */
  title: z.string(),
  byId: z.string().nullable(),
  byName: z.string().nullable(),
  status: z.string(),
  at: z.string(),
});
export type RecentSettled = z.infer<typeof RecentSettled>;

export const DraftsView = z.object({
  /**
   * Drafts whose target matches the page context, best match first (waiting and locally decided),
   * at most `MATCHING_LIMIT` (a company-wide match on a big account can be thousands).
   */
  matching: z.array(QueueItem),
  matchingTotal: z.number().int().optional(),
  /** The rest of my waiting queue, server priority order, at most `OTHERS_LIMIT`. */
  others: z.array(QueueItem),
  othersTotal: z.number().int(),
  status: SyncStatus,
  /** Added (issue 15): drafts other people settled in the last minutes, newest first. */
  recent: z.array(RecentSettled).optional(),
});
export type DraftsView = z.infer<typeof DraftsView>;

export const OTHERS_LIMIT = 100;
export const MATCHING_LIMIT = 50;

/** Sent as soon as the outbox row is committed; the status follows as a `changed` event. */
export const Saved = z.object({ saved: z.literal(true), decisionId: z.string() });

/** The stored connection as extension pages see it (never the token). */
export const Connection = z.object({ serverUrl: z.string(), user: Me, connectedAt: z.string() });
export type Connection = z.infer<typeof Connection>;

/** The options page's Connect: the connection, or which field to fix and why. */
export const ConnectResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), connection: Connection }),
  z.object({ ok: z.literal(false), field: z.enum(['url', 'token']).nullable(), message: z.string() }),
]);
export type ConnectResult = z.infer<typeof ConnectResult>;

/** What the dashboard needs to call the server itself (extension pages only). */
export const ApiAccess = z.object({ serverUrl: z.string(), token: z.string() });
export type ApiAccess = z.infer<typeof ApiAccess>;

// ---------- the request table ----------

export const Requests = {
  getDrafts: { payload: z.object({ context: PageContext.nullable() }), reply: DraftsView },
  saveDecision: {
    payload: z.object({ decision: Decision, sendAfter: z.string().datetime({ offset: true }).optional() }),
    reply: Saved,
  },
  cancelDecision: {
    payload: z.object({ decisionId: z.string().max(100) }),
    reply: z.object({ cancelled: z.boolean() }),
  },
  getStatus: { payload: z.object({}), reply: SyncStatus },
  syncNow: { payload: z.object({}), reply: SyncStatus },
  dismissProblem: { payload: z.object({ key: z.string().max(500) }), reply: SyncStatus },
  getConnection: { payload: z.object({}), reply: Connection.nullable() },
  connect: {
    payload: z.object({ serverUrl: z.string().max(2_000), token: z.string().max(1_000) }),
    reply: ConnectResult,
  },
  disconnect: { payload: z.object({}), reply: z.object({ disconnected: z.literal(true) }) },
  getApiAccess: { payload: z.object({}), reply: ApiAccess },
  syncSandbox: { payload: z.object({}), reply: z.object({ on: z.boolean() }) },
  // Issue 18: what happened to approved text in the page (into the page-report outbox), and the
  // parts of a recognised page an adapter did not find (counted; no content, no personal data).
  reportPage: { payload: z.object({ report: PageReport }), reply: z.object({ saved: z.literal(true) }) },
  reportHealth: {
    payload: z.object({ site: Site, selectorVersion: z.string().min(1).max(40), parts: z.array(HealthPart).max(10) }),
    reply: z.object({ counted: z.number().int() }),
  },
  /** Issue 15, notification links: my latest decision on one draft as this browser knows it. */
  getLocalDecision: {
    payload: z.object({ draftId: z.string().min(1).max(200) }),
    reply: z.object({ local: LocalDecision.nullable() }),
  },
  /**
   * Issue 15, notification links: this browser's copy of one draft (as last pulled, with when), for
   * the dashboard's draft view when the server cannot be reached. Null: no copy for this account.
   */
  getLocalDraft: {
    payload: z.object({ draftId: z.string().min(1).max(200) }),
    reply: z.object({ draft: Draft.nullable(), syncedAt: z.string().nullable() }),
  },
  /** Issue 15, notification links: the /open page hands the person to the dashboard's draft view. */
  openDraft: {
    payload: z.object({ draftId: z.string().regex(OPEN_ID) }),
    reply: z.object({ opened: z.literal(true) }),
  },
  /** Options page: bring the open-link script's registration in line with the permission (lib/worker/open-link.ts). */
  syncOpenLink: { payload: z.object({}), reply: z.object({ on: z.boolean() }) },
  /**
   * Claim (`hold: true`, renewed by calling again) or release a draft while the person works on it
   * (contract v1.1 "Claims"). `heldBy` names who else holds it when the claim was refused.
   */
  claim: {
    payload: z.object({ draftId: z.string().max(200), hold: z.boolean() }),
    reply: z.object({ held: z.boolean(), heldBy: z.string().nullable(), until: z.string().nullable() }),
  },
} as const;

/**
 * Requests only the extension's own pages (options, popup, dashboard) may make: a content script runs
 * inside a third-party page and never handles the connection or the token.
 */
export const PAGES_ONLY: ReadonlySet<RequestType> = new Set([
  'connect',
  'disconnect',
  'getApiAccess',
  'syncSandbox',
  'syncOpenLink',
  'getLocalDraft',
]);

export type RequestType = keyof typeof Requests;
export type RequestPayload<T extends RequestType> = z.input<(typeof Requests)[T]['payload']>;
export type ParsedPayload<T extends RequestType> = z.output<(typeof Requests)[T]['payload']>;
export type RequestReply<T extends RequestType> = z.output<(typeof Requests)[T]['reply']>;

export const Envelope = z.object({
  countersign: z.literal(1),
  type: z.enum(Object.keys(Requests) as [RequestType, ...RequestType[]]),
  payload: z.unknown(),
});

export const ReplyError = z.object({ code: z.string(), message: z.string() });
export const ReplyEnvelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ReplyError }),
]);
export type Reply = z.infer<typeof ReplyEnvelope>;

/** A failed request: `code` is `invalid_message`, `forbidden_sender`, `worker_unavailable`, or a handler's code. */
export class MessagingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessagingError';
  }
}

// ---------- events ----------

export const EVENTS_PORT = 'countersign:events';

/**
 * `keepalive`: sent every 20 s by an open panel/popup/dashboard over its port; a message keeps an MV3
 * worker from going idle, so the live stream (lib/worker/live.ts) lasts exactly as long as a page is open.
 */
export const ClientEvent = z.object({ type: z.literal('hello'), reason: z.enum(['open', 'reconnect', 'keepalive']) });
export type ClientEvent = z.infer<typeof ClientEvent>;

export const WorkerEvent = z.object({
  type: z.literal('changed'),
  draftIds: z.array(z.string()).optional(),
  status: SyncStatus,
});
export type WorkerEvent = z.infer<typeof WorkerEvent>;

// ---------- hand-off through storage ----------

/**
 * A decision the content script could not hand to the worker (it was asleep, restarting, or
 * unreachable): written to `storage.local` under `HANDOFF_PREFIX + decision.id`, where the worker
 * collects it into its outbox when it next runs (start, alarm, storage change). A tab that closes or
 * crashes meanwhile loses nothing. Saving is idempotent on the decision id, so collecting a decision
 * the worker already has adds nothing.
 */
export const HANDOFF_PREFIX = 'countersign:handoff:';
export const Handoff = z.object({ decision: Decision, sendAfter: z.string().datetime({ offset: true }).optional() });
export type Handoff = z.infer<typeof Handoff>;
