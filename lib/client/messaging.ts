/**
 * The client half of the message protocol (lib/shared/schema/protocol.ts), used by the content
 * script and the extension pages: typed requests to the service worker, retried while it wakes up,
 * and the events channel. The worker stops after ~30 s idle and the port drops with it;
 * `subscribe()` reconnects and calls the listener once more so nothing said in between is missed.
 */

import { browser } from 'wxt/browser';
import { errorText } from '../shared/error-text';
import {
  type ClientEvent,
  EVENTS_PORT,
  MessagingError,
  ReplyEnvelope,
  type RequestPayload,
  type RequestReply,
  Requests,
  type RequestType,
  WorkerEvent,
} from '../shared/schema/protocol';

export { MessagingError } from '../shared/schema/protocol';

type Port = ReturnType<typeof browser.runtime.connect>;

/** Errors Chromium raises while the worker is asleep or restarting: worth a retry. */
export function isWorkerAsleepError(err: unknown): boolean {
  const message = errorText(err);
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
      throw new MessagingError('worker_unavailable', errorText(err));
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

/**
 * Listens for `changed` events from the worker. Opening counts as "the panel/popup opened" (a sync
 * starts). The port drops whenever the worker stops; it is reopened after a short pause and
 * `listener` is called with `null` so the caller refetches what it may have missed.
 * Stops when `signal` aborts (tie it to the content-script context).
 */
/** How often an open page tells the worker it is still there (under MV3's 30 s idle limit). */
export const KEEPALIVE_MS = 20_000;

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
    // While this page is open the worker stays awake for its live stream (lib/worker/live.ts).
    const keepAlive = setInterval(() => {
      try {
        port?.postMessage({ type: 'hello', reason: 'keepalive' } satisfies ClientEvent);
      } catch {
        clearInterval(keepAlive);
      }
    }, KEEPALIVE_MS);
    port.onDisconnect.addListener(() => {
      clearInterval(keepAlive);
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
