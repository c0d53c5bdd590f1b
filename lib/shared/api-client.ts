import type { z } from 'zod';
import { ErrorBody } from './schema';

/**
 * Typed fetch client for the review server, used by the worker's sync engine and Connect, and by the
 * dashboard (lib/client/api.ts). Every response body is parsed with a lib/schema schema; every request
 * has a timeout well under the MV3 worker's 30 s fetch limit (toolchain.md).
 */

export const DEFAULT_TIMEOUT_MS = 15_000;

export type ApiErrorKind =
  /** No connection is stored (options page not filled in yet). */
  | 'not_connected'
  /** The server could not be reached (DNS, refused, offline, CORS failure). */
  | 'network'
  /** No answer within the timeout. */
  | 'timeout'
  /** The server answered with a non-2xx status. */
  | 'http'
  /** A 2xx answer whose body does not match the schema. */
  | 'invalid_response';

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  readonly status: number | undefined;
  /** The server's machine code from `{"error": {"code"}}`, when it sent one. */
  readonly code: string | undefined;
  /** From a `Retry-After` header (429/503), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ApiErrorKind,
    message: string,
    extra: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'ApiError';
    this.kind = kind;
    this.status = extra.status;
    this.code = extra.code;
    this.retryAfterMs = extra.retryAfterMs;
  }

  /** Worth retrying later with backoff (issue 3: network errors, 5xx, 408, 429). */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind !== 'http' || this.status === undefined) return false;
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }

  get unauthorized(): boolean {
    return this.kind === 'http' && this.status === 401;
  }
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface ApiClientOptions {
  /** Normalised server URL without a trailing slash (see `normaliseServerUrl`). */
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  request<S extends z.ZodType>(method: string, path: string, schema: S, opts?: RequestOptions): Promise<z.output<S>>;
  get<S extends z.ZodType>(path: string, schema: S, opts?: Omit<RequestOptions, 'body'>): Promise<z.output<S>>;
  post<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    opts?: Omit<RequestOptions, 'body'>,
  ): Promise<z.output<S>>;
  put<S extends z.ZodType>(
    path: string,
    body: unknown,
    schema: S,
    opts?: Omit<RequestOptions, 'body'>,
  ): Promise<z.output<S>>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  async function request<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    opts: RequestOptions = {},
  ): Promise<z.output<S>> {
    const url = new URL(baseUrl + (path.startsWith('/') ? path : `/${path}`));
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));

    const timeoutMs = opts.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';

    let res: Response;
    try {
      res = await doFetch(url.toString(), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal,
        // Bearer auth only: never send or store cookies for the server (contract: "Cross-origin use").
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      if (timeout.aborted) throw new ApiError('timeout', `No answer from ${url.origin} within ${timeoutMs / 1000} s`);
      if (opts.signal?.aborted) throw err;
      throw new ApiError('network', `Could not reach the server at ${url.origin}`, { cause: err });
    }

    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new ApiError('timeout', `No answer from ${url.origin} within ${timeoutMs / 1000} s`);
      throw new ApiError('network', `The connection to ${url.origin} broke off`, { cause: err });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }

    if (!res.ok) {
      const body = ErrorBody.safeParse(json);
      const message = body.success
        ? body.data.error.message
        : `The server answered ${res.status} ${res.statusText}`.trim();
      throw new ApiError('http', message, {
        status: res.status,
        code: body.success ? body.data.error.code : undefined,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError('invalid_response', `Unexpected answer from the server for ${method} ${url.pathname}`, {
        status: res.status,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  return {
    baseUrl,
    request,
    get: (path, schema, opts) => request('GET', path, schema, opts),
    post: (path, body, schema, opts) => request('POST', path, schema, { ...opts, body }),
    put: (path, body, schema, opts) => request('PUT', path, schema, { ...opts, body }),
  };
}
