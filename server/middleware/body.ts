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
    // Nesting is checked on the text, before parsing: JSON.parse takes time more than linear in the
    // depth (100,000 levels: 0.15 s; 4 million, what fits in 8 MB: 10 s of a blocked event loop).
    if (nestedDeeperThan(json, MAX_DEPTH)) {
      const message = `JSON nested deeper than ${MAX_DEPTH} levels`;
      throw new ApiError(400, 'invalid_input', message, [{ code: 'too_deep', path: [], message }]);
    }
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

/** Deepest accepted nesting of arrays and objects in a request body; deeper is a 400. */
export const MAX_DEPTH = 64;

/**
 * Whether the JSON text nests arrays/objects deeper than `limit`, looking only at the structure
 * (brackets inside strings do not count). One pass, stopping at the first level too deep; string
 * contents are skipped with `indexOf` (native), escapes walked only in strings that have them.
 * Text that is not JSON gives an answer of no consequence: JSON.parse refuses it next.
 */
export function nestedDeeperThan(text: string, limit: number): boolean {
  const n = text.length;
  let depth = 0;
  let i = 0;
  // The next backslash at or after the current string (n: none left); found once, not per string.
  let backslash = text.indexOf('\\');
  if (backslash < 0) backslash = n;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      let end = text.indexOf('"', i + 1);
      if (end < 0) return false;
      if (backslash < i) {
        backslash = text.indexOf('\\', i);
        if (backslash < 0) backslash = n;
      }
      if (backslash < end) {
        // Escapes in this string: walk it from the first one.
        end = backslash;
        while (end < n) {
          const d = text.charCodeAt(end);
          if (d === 92 /* \ */) end += 2;
          else if (d === 34) break;
          else end++;
        }
        if (end >= n) return false;
        backslash = text.indexOf('\\', end);
        if (backslash < 0) backslash = n;
      }
      i = end + 1;
      continue;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
    i++;
  }
  return false;
}

/**
 * Where the first string (or key) containing U+0000 is in a parsed JSON value, or null. Iterative
 * (an explicit stack, depth-first, in document order), so no nesting can overflow the call stack;
 * the path is built only for the value found.
 */
export function nulAt(value: unknown): Array<string | number> | null {
  interface Item {
    v: unknown;
    key: string | number | null;
    parent: Item | null;
  }
  const pathOf = (item: Item, last?: string) => {
    const path: Array<string | number> = last === undefined ? [] : [last];
    for (let it: Item | null = item; it && it.key !== null; it = it.parent) path.push(it.key);
    return path.reverse();
  };
  const stack: Item[] = [{ v: value, key: null, parent: null }];
  while (stack.length) {
    const item = stack.pop()!;
    const v = item.v;
    if (typeof v === 'string') {
      if (v.includes('\0')) return pathOf(item);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: item });
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      for (const k of keys) if (k.includes('\0')) return pathOf(item, k);
      for (let i = keys.length - 1; i >= 0; i--)
        stack.push({ v: (v as Record<string, unknown>)[keys[i]!], key: keys[i]!, parent: item });
    }
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
