/**
 * Countersign message protocol (issue 3): the ONE way content scripts and extension pages talk to
 * the service worker. The worker owns IndexedDB and the server token; content scripts never see
 * the token and never open IndexedDB (a content script's IndexedDB is the page's).
 *
 * Requests (runtime.sendMessage, envelope `{ countersign: 1, type, payload }`), answered with
 * `{ ok: true, data } | { ok: false, error: { code, message } }`:
 *
 *   type            payload                                   data
 *   getDrafts       { context: PageContext | null }           DraftsView  { matching, matchingTotal, others, othersTotal, status }
 *                   drafts matching the page (best match first), then the rest of my queue
 *   saveDecision    { decision: Decision }                    { saved: true, decisionId } — sent AFTER the panel's undo
 *                   window; the worker answers only once the outbox row is committed, then pushes.
 *                   Idempotent on decision.id, so a retried send never makes a second decision.
 *   escalate        { id, draftId, note?, escalateTo?, dwellMs?, decidedAt }   same as saveDecision
 *   getStatus       {}                                        SyncStatus
 *   syncNow         {}                                        SyncStatus (after the attempt)
 *   dismissProblem  { key }                                   SyncStatus (removes one "needs attention" item)
 *
 * Events (a long-lived runtime Port named `countersign:events`, one per tab/page; `subscribe()`):
 *   client → worker  { type: 'hello', reason: 'open' | 'reconnect' }   'open' = panel/popup opened → sync
 *   worker → client  { type: 'changed', draftIds?, status }             refetch with getDrafts
 * The worker stops after ~30 s idle and the port drops with it; `subscribe()` reconnects and calls the
 * listener once more so nothing said in between is missed.
 *
 * Conflicts and problems: each QueueItem has `local` (my decision here: pending | done | conflict
 * with `decidedBy` | rejected with `error`); `SyncStatus.attention` is the "needs attention" list
 * (conflict, rejected, malformed_draft) and `SyncStatus.problem` the current sync problem (offline,
 * unauthorized = paused until the person connects again, …). Error codes in replies:
 * invalid_message, forbidden_sender, not_connected, worker_unavailable (client side), internal.
 *
 * Every payload is parsed with zod on receipt on both sides; the worker ignores senders that are not
 * this extension; `sendRequest()` retries while the worker is asleep ("Receiving end does not exist").
 */

import { browser } from 'wxt/browser';
import { z } from 'zod';
import { Decision, DecisionAction, Draft, EscalateTo, IsoDateTime, Role, Site } from './schema';
import type { PageContext } from './sites/types';

// ---------- shared data shapes ----------

/** zod twin of lib/sites/types.ts `PageContext` (checked to match below). */
export const PageContextSchema = z.object({
  site: Site,
  emails: z.array(z.string().max(320)).max(200),
  names: z.array(z.string().max(200)).max(200),
  company: z.string().max(200).optional(),
  recordType: z.string().max(100).optional(),
  recordId: z.string().max(200).optional(),
  threadId: z.string().max(200).optional(),
  editable: z.boolean(),
});
// Compile-time check that the two stay in step.
type _PageContextMatches = [z.infer<typeof PageContextSchema>] extends [PageContext]
  ? [PageContext] extends [z.infer<typeof PageContextSchema>]
    ? true
    : never
  : never;
const _pageContextMatches: _PageContextMatches = true;
void _pageContextMatches;

/** What happened to this person's decision on a draft, as far as this browser knows. */
export const LocalDecision = z.object({
  decisionId: z.string(),
  action: DecisionAction,
  decidedAt: z.string(),
  /** pending = saved here, not yet acknowledged by the server; done = applied (or duplicate). */
  sync: z.enum(['pending', 'done', 'conflict', 'rejected']),
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
});
export type SyncStatus = z.infer<typeof SyncStatus>;

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
});
export type DraftsView = z.infer<typeof DraftsView>;

export const OTHERS_LIMIT = 100;
export const MATCHING_LIMIT = 50;

export const EscalatePayload = z.object({
  id: z.uuid(),
  draftId: z.string().min(1).max(200),
  note: z.string().max(20_000).optional(),
  escalateTo: EscalateTo.optional(),
  dwellMs: z.number().int().min(0).max(86_400_000).optional(),
  decidedAt: IsoDateTime,
});
export type EscalatePayload = z.infer<typeof EscalatePayload>;

/** Sent as soon as the outbox row is committed; the status follows as a `changed` event. */
const Saved = z.object({ saved: z.literal(true), decisionId: z.string() });

// ---------- the request table ----------

export const Requests = {
  getDrafts: { payload: z.object({ context: PageContextSchema.nullable() }), reply: DraftsView },
  saveDecision: { payload: z.object({ decision: Decision }), reply: Saved },
  escalate: { payload: EscalatePayload, reply: Saved },
  getStatus: { payload: z.object({}), reply: SyncStatus },
  syncNow: { payload: z.object({}), reply: SyncStatus },
  dismissProblem: { payload: z.object({ key: z.string().max(500) }), reply: SyncStatus },
} as const;

export type RequestType = keyof typeof Requests;
export type RequestPayload<T extends RequestType> = z.input<(typeof Requests)[T]['payload']>;
export type ParsedPayload<T extends RequestType> = z.output<(typeof Requests)[T]['payload']>;
export type RequestReply<T extends RequestType> = z.output<(typeof Requests)[T]['reply']>;

const Envelope = z.object({
  countersign: z.literal(1),
  type: z.enum(Object.keys(Requests) as [RequestType, ...RequestType[]]),
  payload: z.unknown(),
});

export const ReplyError = z.object({ code: z.string(), message: z.string() });
const ReplyEnvelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ReplyError }),
]);
type Reply = z.infer<typeof ReplyEnvelope>;

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

// ---------- worker side ----------

/** What the worker knows about who sent a message (a subset of runtime.MessageSender). */
export interface SenderInfo {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number };
}

/** Only our own extension's contexts (its content scripts and pages) may talk to the worker. */
export function isTrustedSender(sender: SenderInfo | undefined, extensionId: string): boolean {
  return !!sender && sender.id === extensionId;
}

export type Handlers = {
  [T in RequestType]: (payload: ParsedPayload<T>, sender: SenderInfo) => Promise<RequestReply<T>>;
};

/**
 * Validates and routes one raw message to its handler. Pure (no browser API) so it is unit-tested
 * directly; `registerHandlers` wires it to runtime.onMessage. Returns `undefined` for messages
 * that are not ours (another protocol), so they are left unanswered.
 */
export async function dispatchRequest(
  raw: unknown,
  sender: SenderInfo | undefined,
  extensionId: string,
  handlers: Handlers,
): Promise<Reply | undefined> {
  if (!raw || typeof raw !== 'object' || (raw as { countersign?: unknown }).countersign !== 1) return undefined;
  if (!isTrustedSender(sender, extensionId)) {
    return { ok: false, error: { code: 'forbidden_sender', message: 'Sender is not this extension' } };
  }
  const env = Envelope.safeParse(raw);
  if (!env.success) return { ok: false, error: { code: 'invalid_message', message: 'Unknown message type' } };
  const type = env.data.type;
  const payload = Requests[type].payload.safeParse(env.data.payload);
  if (!payload.success) {
    return {
      ok: false,
      error: { code: 'invalid_message', message: `Invalid ${type} payload: ${payload.error.message}` },
    };
  }
  try {
    const handler = handlers[type] as (p: unknown, s: SenderInfo) => Promise<unknown>;
    const data = await handler(payload.data, sender ?? {});
    // Check our own reply too: a bug here must not hand the panel a shape it cannot read.
    const checked = Requests[type].reply.parse(data);
    return { ok: true, data: checked };
  } catch (err) {
    if (err instanceof MessagingError) return { ok: false, error: { code: err.code, message: err.message } };
    return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } };
  }
}

/** Registers the request handlers in the worker. Returns the unregister function. */
export function registerHandlers(handlers: Handlers): () => void {
  // sendResponse + `return true` (rather than returning a promise) is what every Chromium
  // version and Firefox support; the typed dispatch above keeps it in one place.
  const listener = (message: unknown, sender: SenderInfo, sendResponse: (r: unknown) => void): boolean => {
    if (!message || typeof message !== 'object' || (message as { countersign?: unknown }).countersign !== 1) {
      return false;
    }
    void dispatchRequest(message, sender, browser.runtime.id, handlers).then(sendResponse);
    return true;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the listener's type differs between chrome and polyfill typings
  browser.runtime.onMessage.addListener(listener as any);
  // biome-ignore lint/suspicious/noExplicitAny: see above
  return () => browser.runtime.onMessage.removeListener(listener as any);
}

export const EVENTS_PORT = 'countersign:events';

export const ClientEvent = z.object({ type: z.literal('hello'), reason: z.enum(['open', 'reconnect']) });
export type ClientEvent = z.infer<typeof ClientEvent>;

export const WorkerEvent = z.object({
  type: z.literal('changed'),
  draftIds: z.array(z.string()).optional(),
  status: SyncStatus,
});
export type WorkerEvent = z.infer<typeof WorkerEvent>;

type Port = ReturnType<typeof browser.runtime.connect>;

/**
 * The worker's side of the events channel: tracks connected tabs/pages and broadcasts `changed`.
 * `onOpen` is called when a panel or popup opens (the "sync whenever the panel or popup opens").
 */
export function createEventHub(onHello: (event: ClientEvent) => void) {
  const ports = new Set<Port>();
  const onConnect = (port: Port) => {
    if (port.name !== EVENTS_PORT) return;
    if (!isTrustedSender(port.sender, browser.runtime.id)) {
      port.disconnect();
      return;
    }
    ports.add(port);
    port.onDisconnect.addListener(() => ports.delete(port));
    port.onMessage.addListener((msg: unknown) => {
      const parsed = ClientEvent.safeParse(msg);
      if (parsed.success) onHello(parsed.data);
    });
  };
  browser.runtime.onConnect.addListener(onConnect);
  return {
    broadcast(event: WorkerEvent) {
      const checked = WorkerEvent.parse(event);
      for (const port of ports) {
        try {
          port.postMessage(checked);
        } catch {
          ports.delete(port);
        }
      }
    },
    get size() {
      return ports.size;
    },
    dispose() {
      browser.runtime.onConnect.removeListener(onConnect);
      for (const port of ports) port.disconnect();
      ports.clear();
    },
  };
}

// ---------- content script / page side ----------

/** Errors Chromium raises while the worker is asleep or restarting: worth a retry. */
export function isWorkerAsleepError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /Receiving end does not exist|Could not establish connection|message port closed|message channel closed/i.test(
    message,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SendOptions {
  /** Total time to keep retrying while the worker wakes up. Default 5 s. */
  retryForMs?: number;
  signal?: AbortSignal;
}

/**
 * Sends one typed request to the worker and returns its parsed reply. Retries while the worker is
 * asleep; safe for every request type because saveDecision/escalate are idempotent on the decision id.
 */
export async function sendRequest<T extends RequestType>(
  type: T,
  payload: RequestPayload<T>,
  opts: SendOptions = {},
): Promise<RequestReply<T>> {
  const checkedPayload = Requests[type].payload.parse(payload);
  const deadline = Date.now() + (opts.retryForMs ?? 5_000);
  let delay = 50;
  for (;;) {
    opts.signal?.throwIfAborted();
    let raw: unknown;
    try {
      raw = await browser.runtime.sendMessage({ countersign: 1, type, payload: checkedPayload });
    } catch (err) {
      if (isWorkerAsleepError(err) && Date.now() + delay < deadline) {
        await sleep(delay);
        delay = Math.min(delay * 2, 1_000);
        continue;
      }
      throw new MessagingError('worker_unavailable', err instanceof Error ? err.message : String(err));
    }
    // An undefined answer means the worker died before replying: same as asleep.
    if (raw === undefined && Date.now() + delay < deadline) {
      await sleep(delay);
      delay = Math.min(delay * 2, 1_000);
      continue;
    }
    const reply = ReplyEnvelope.safeParse(raw);
    if (!reply.success) throw new MessagingError('invalid_message', 'Unreadable reply from the extension worker');
    if (!reply.data.ok) throw new MessagingError(reply.data.error.code, reply.data.error.message);
    const data = Requests[type].reply.safeParse(reply.data.data);
    if (!data.success) throw new MessagingError('invalid_message', `Invalid ${type} reply: ${data.error.message}`);
    return data.data as RequestReply<T>;
  }
}

/** Builds the decision for an escalation and saves it (helper for the panel). */
export function escalate(payload: EscalatePayload, opts?: SendOptions) {
  return sendRequest('escalate', payload, opts);
}

/**
 * Listens for `changed` events from the worker. Opening counts as "the panel/popup opened" (a sync
 * starts). The port drops whenever the worker stops; it is reopened after a short pause and
 * `listener` is called with `null` so the caller refetches what it may have missed.
 * Stops when `signal` aborts (tie it to the content-script context).
 */
export function subscribe(listener: (event: WorkerEvent | null) => void, signal: AbortSignal): void {
  let port: Port | null = null;
  let first = true;
  let retryDelay = 200;
  const connect = () => {
    if (signal.aborted) return;
    try {
      port = browser.runtime.connect({ name: EVENTS_PORT });
    } catch {
      // Extension reloaded or context invalidated: nothing more to do in this page.
      return;
    }
    const reason = first ? 'open' : 'reconnect';
    const connectedAt = Date.now();
    port.onMessage.addListener((msg: unknown) => {
      retryDelay = 200;
      const parsed = WorkerEvent.safeParse(msg);
      if (parsed.success) listener(parsed.data);
    });
    port.onDisconnect.addListener(() => {
      port = null;
      if (signal.aborted) return;
      // A port that lived a while dropped because the worker went idle: reconnect quickly so other
      // tabs' decisions still show within a second. Only immediate drops back off.
      if (Date.now() - connectedAt > 2_000) retryDelay = 200;
      setTimeout(() => {
        connect();
        listener(null);
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 5_000);
    });
    try {
      port.postMessage({ type: 'hello', reason } satisfies ClientEvent);
    } catch {
      // onDisconnect handles the retry.
    }
    first = false;
  };
  signal.addEventListener('abort', () => port?.disconnect(), { once: true });
  connect();
}
