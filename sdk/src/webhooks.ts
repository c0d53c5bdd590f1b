import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookEvent } from '../../lib/shared/schema';

export type { WebhookEvent, WebhookEventType } from '../../lib/shared/schema';

/** A verified event with its `webhook-id` (the same on every retry: deduplicate on it). */
export type VerifiedWebhook = WebhookEvent & { webhookId: string };

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/** Thrown when a request is not a genuine Countersign webhook (bad or missing signature, stale timestamp, bad body). */
export class InvalidWebhookError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWebhookError';
  }
}

function headerRecord(headers: HeaderBag): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof Headers)
    headers.forEach((v, k) => {
      out[k.toLowerCase()] = v;
    });
  else
    for (const [k, v] of Object.entries(headers))
      if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * Verifies a webhook request (Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` with the
 * `whsec_…` secret, timestamp within 5 minutes) and parses its body with the server's schema.
 * `body` must be the raw bytes as received (not re-serialised JSON).
 */
export function verifyWebhook(secret: string, body: string | Uint8Array, headers: HeaderBag): VerifiedWebhook {
  const h = headerRecord(headers);
  const raw = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  let payload: unknown;
  try {
    payload = new Webhook(secret).verify(raw, h);
  } catch (e) {
    throw new InvalidWebhookError(e instanceof WebhookVerificationError ? e.message : 'signature check failed', {
      cause: e,
    });
  }
  const parsed = WebhookEvent.safeParse(payload);
  if (!parsed.success) throw new InvalidWebhookError('the body is not a Countersign event', { cause: parsed.error });
  return { ...parsed.data, webhookId: h['webhook-id']! };
}

export type OnWebhook = (event: VerifiedWebhook) => unknown | Promise<unknown>;

/** Largest body a handler reads (the server's events are far smaller). */
const MAX_BODY = 5 * 1024 * 1024;

/**
 * The shared logic of the handlers: verify, then run `onEvent`. 204 when it returned, 401 for a
 * request that is not a genuine event (never retried usefully), 500 when `onEvent` threw — the
 * server then retries the same event later (same `webhook-id`).
 */
async function handle(
  secret: string,
  onEvent: OnWebhook,
  body: string | Uint8Array,
  headers: HeaderBag,
): Promise<{ status: number; text: string }> {
  let event: VerifiedWebhook;
  try {
    event = verifyWebhook(secret, body, headers);
  } catch (e) {
    return { status: 401, text: (e as Error).message };
  }
  try {
    await onEvent(event);
    return { status: 204, text: '' };
  } catch (e) {
    return { status: 500, text: `handler failed: ${(e as Error)?.message ?? e}` };
  }
}

function readNodeBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: { status: number; text: string }) {
  res.writeHead(r.status, r.text ? { 'content-type': 'text/plain; charset=utf-8' } : {});
  res.end(r.text);
}

/** For `http.createServer(webhookHandler(secret, onEvent))` (or as one route of it). */
export function nodeWebhookHandler(secret: string, onEvent: OnWebhook) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') return send(res, { status: 405, text: 'POST only' });
    let body: Buffer;
    try {
      body = await readNodeBody(req);
    } catch (e) {
      return send(res, { status: 413, text: (e as Error).message });
    }
    send(res, await handle(secret, onEvent, body, req.headers));
  };
}

/** For any framework on the Fetch API's Request/Response (Hono, Next.js route handlers, Deno, Bun). */
export function fetchWebhookHandler(secret: string, onEvent: OnWebhook) {
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'POST') return new Response('POST only', { status: 405 });
    const r = await handle(secret, onEvent, new Uint8Array(await request.arrayBuffer()), request.headers);
    return new Response(r.text || null, { status: r.status });
  };
}

/** Hono: `app.post('/countersign', honoWebhookHandler(secret, onEvent))`. */
export function honoWebhookHandler(secret: string, onEvent: OnWebhook) {
  const h = fetchWebhookHandler(secret, onEvent);
  return (c: { req: { raw: Request } }): Promise<Response> => h(c.req.raw);
}

/** The parts of Express's request and response the handler uses (no dependency on express). */
interface ExpressLikeRequest extends IncomingMessage {
  body?: unknown;
}
interface ExpressLikeResponse extends ServerResponse {
  status(code: number): ExpressLikeResponse;
  send(body?: unknown): unknown;
}

/**
 * Express: `app.post('/countersign', express.raw({ type: 'application/json' }), expressWebhookHandler(secret, onEvent))`,
 * or without any body parser on that route (the handler reads the body itself). A body already
 * parsed as JSON cannot be verified (the signature is over the exact bytes): that answers 500 with
 * a message saying so.
 */
export function expressWebhookHandler(secret: string, onEvent: OnWebhook) {
  return async (req: ExpressLikeRequest, res: ExpressLikeResponse): Promise<void> => {
    let body: string | Uint8Array;
    if (Buffer.isBuffer(req.body)) body = req.body;
    else if (typeof req.body === 'string') body = req.body;
    else if (req.body !== undefined && req.body !== null && Object.keys(req.body as object).length > 0) {
      res.status(500).send('the body was parsed before the webhook handler; mount express.raw() for this route');
      return;
    } else {
      try {
        body = await readNodeBody(req);
      } catch (e) {
        res.status(413).send((e as Error).message);
        return;
      }
    }
    const r = await handle(secret, onEvent, body, req.headers);
    res.status(r.status).send(r.text);
  };
}
