/**
 * The service worker's half of the message protocol (lib/shared/schema/protocol.ts): validates and
 * routes requests to their handlers and keeps the events channel to every open panel and page. The
 * worker ignores senders that are not this extension.
 */

import { browser } from 'wxt/browser';
import {
  type ClientEvent,
  ClientEvent as ClientEventSchema,
  Envelope,
  EVENTS_PORT,
  MessagingError,
  PAGES_ONLY,
  type ParsedPayload,
  type Reply,
  type RequestReply,
  Requests,
  type RequestType,
  WorkerEvent,
} from '../shared/schema/protocol';

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

/** Who the worker is: its extension id, and the URL its own pages (options, popup, dashboard) live under. */
export interface ExtensionSelf {
  id: string;
  /** `chrome-extension://<id>/` or `moz-extension://<uuid>/` (`runtime.getURL('/')`). */
  pagesUrl: string;
}

/** One of the extension's own pages, not a content script running inside a web page. */
export function isExtensionPage(sender: SenderInfo, self: ExtensionSelf): boolean {
  return sender.id === self.id && !!self.pagesUrl && !!sender.url?.startsWith(self.pagesUrl);
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
  self: ExtensionSelf,
  handlers: Handlers,
): Promise<Reply | undefined> {
  if (!raw || typeof raw !== 'object' || (raw as { countersign?: unknown }).countersign !== 1) return undefined;
  if (!isTrustedSender(sender, self.id)) {
    return { ok: false, error: { code: 'forbidden_sender', message: 'Sender is not this extension' } };
  }
  const env = Envelope.safeParse(raw);
  if (!env.success) return { ok: false, error: { code: 'invalid_message', message: 'Unknown message type' } };
  const type = env.data.type;
  if (PAGES_ONLY.has(type) && !isExtensionPage(sender ?? {}, self)) {
    return { ok: false, error: { code: 'forbidden_sender', message: `${type} is for the extension's own pages` } };
  }
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

export function extensionSelf(): ExtensionSelf {
  return { id: browser.runtime.id, pagesUrl: browser.runtime.getURL('/') };
}

/** Registers the request handlers in the worker. Returns the unregister function. */
export function registerHandlers(handlers: Handlers): () => void {
  // sendResponse + `return true` (rather than returning a promise) is what every Chromium
  // version and Firefox support; the typed dispatch above keeps it in one place.
  const listener = (message: unknown, sender: SenderInfo, sendResponse: (r: unknown) => void): boolean => {
    if (!message || typeof message !== 'object' || (message as { countersign?: unknown }).countersign !== 1) {
      return false;
    }
    void dispatchRequest(message, sender, extensionSelf(), handlers).then(sendResponse);
    return true;
  };
  // biome-ignore lint/suspicious/noExplicitAny: the listener's type differs between chrome and polyfill typings
  browser.runtime.onMessage.addListener(listener as any);
  // biome-ignore lint/suspicious/noExplicitAny: see above
  return () => browser.runtime.onMessage.removeListener(listener as any);
}

type Port = ReturnType<typeof browser.runtime.connect>;

/**
 * The worker's side of the events channel: tracks connected tabs/pages and broadcasts `changed`.
 * `onOpen` is called when a panel or popup opens (the "sync whenever the panel or popup opens").
 */
export function createEventHub(onHello: (event: ClientEvent) => void, onPorts?: (open: number) => void) {
  const ports = new Set<Port>();
  const onConnect = (port: Port) => {
    if (port.name !== EVENTS_PORT) return;
    if (!isTrustedSender(port.sender, browser.runtime.id)) {
      port.disconnect();
      return;
    }
    ports.add(port);
    onPorts?.(ports.size);
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      onPorts?.(ports.size);
    });
    port.onMessage.addListener((msg: unknown) => {
      const parsed = ClientEventSchema.safeParse(msg);
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
