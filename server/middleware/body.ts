import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../context';
import { ApiError, errorBody } from '../errors';

/**
 * JSON request bodies (POST, PUT; the Content-Type has been checked), read and size-checked once,
 * before any route runs. Other methods with a body only get Hono's size check.
 *
 * Behind @hono/node-server (`npm run server`) the body is read straight from Node's request: Hono's
 * own path first wraps it in a web `Request` with a `ReadableStream` (which its body-limit check
 * builds even when only the Content-Length header is looked at), and that cost a batch of 50
 * decisions about a tenth of its time. Anywhere else (`app.request()`) it is read from the web
 * `Request`, with the same limit and checks. The text and the parsed value go into Hono's body
 * cache, where the routes' validators find them.
 */
export function jsonBody(limitBytes: number): MiddlewareHandler<AppEnv> {
  const tooLargeMessage = `Request body is larger than ${limitBytes} bytes`;
  const sizeOnly = bodyLimit({
    maxSize: limitBytes,
    onError: (c) => c.json(errorBody('payload_too_large', tooLargeMessage), 413),
  });
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    if (method !== 'POST' && method !== 'PUT') return sizeOnly(c, next);
    const node = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const incoming = node && !node.readableDidRead ? node : undefined;
    const declared = Number(c.req.header('content-length'));
    if (declared > limitBytes) {
      incoming?.resume(); // not read; drained so the connection stays usable
      throw new ApiError(413, 'payload_too_large', tooLargeMessage);
    }
    const text = incoming ? await readText(incoming, limitBytes) : await readWebText(c.req.raw, limitBytes);
    if (text === null) throw new ApiError(413, 'payload_too_large', tooLargeMessage);
    // Like fetch's `text()`, a leading byte order mark is not part of the text.
    const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new ApiError(400, 'invalid_json', 'Malformed JSON in request body');
    }
    // PostgreSQL cannot store U+0000 in text (SQLite can): refused for both, as bad input, not
    // a 500 halfway through a write. Only a body with the escape in it is walked.
    const nul = text.includes('\\u0000') ? nulAt(value) : null;
    if (nul) {
      const message = 'Text may not contain the NUL character (\\u0000)';
      throw new ApiError(400, 'invalid_input', `${nul.join('.') || '(root)'}: ${message}`, [
        { code: 'invalid_string', path: nul, message },
      ]);
    }
    // Hono's `json()` (what the validators call) parses the cached text: with only the parsed
    // value cached it serialised that again and read it back through a web Response (0.2 ms of
    // a 50-decision request, by a CPU profile). Both go in; the text is parsed once more, natively.
    // (Hono keeps promises there; its type says the values.)
    const cache = c.req.bodyCache as unknown as Record<'text' | 'json', Promise<unknown>>;
    cache.text = Promise.resolve(json);
    cache.json = Promise.resolve(value);
    await next();
  };
}

/** Where the first string (or key) containing U+0000 is in a parsed JSON value, or null. */
export function nulAt(value: unknown, path: Array<string | number> = []): Array<string | number> | null {
  if (typeof value === 'string') return value.includes('\0') ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulAt(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) return [...path, k];
      const found = nulAt(v, [...path, k]);
      if (found) return found;
    }
  return null;
}

/** The same from a web `Request` (no Node request behind it): text, or null past `limit` bytes. */
async function readWebText(req: Request, limit: number): Promise<string | null> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** The body as UTF-8 text, or null once it passes `limit` bytes (the rest is drained unread). */
function readText(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.resume();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size).toString('utf8'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}
