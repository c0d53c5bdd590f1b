import type { z } from 'zod';
import { type ApiRoute, type RouteName, type Routes, routes } from './api/routes';
import { ErrorBody } from './schema';

/**
 * Typed fetch client for the review server, used by the worker's sync engine and Connect, and by the
 * dashboard (lib/client/api.ts). Routes are called by name from the shared route table
 * (api/routes.ts); every answer is parsed with the route's schema; every request has a timeout well
 * under the MV3 worker's 30 s fetch limit (docs/toolchain.md).
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

type Input<S> = S extends z.ZodType ? z.input<S> : never;
/** Query values as they go into the URL (each is turned into a string). */
type QueryValues<Q> = { [K in keyof Q]: Q[K] & (string | number | boolean | undefined) };
/** A part of a call's input: required when the route has it and it has a required field. */
type Part<K extends string, T> = [T] extends [never]
  ? { [P in K]?: never }
  : Partial<T> extends T
    ? { [P in K]?: T }
    : { [P in K]: T };

/** Path parameters as strings (each is URL-encoded into the path). */
type ParamValues<P> = [P] extends [never] ? never : { [K in keyof P]: string };

/** What a call sends: path params, query and body as the route's schemas take them. */
export type CallInput<N extends RouteName> = Part<'params', ParamValues<Input<Routes[N]['params' & keyof Routes[N]]>>> &
  Part<'query', QueryValues<Input<Routes[N]['query' & keyof Routes[N]]>>> &
  Part<'body', Input<Routes[N]['body' & keyof Routes[N]]>> & {
    signal?: AbortSignal;
    timeoutMs?: number;
  };

/** Routes with a JSON answer (the feedback export is JSON lines: see `url`). */
export type JsonRouteName = { [N in RouteName]: Routes[N] extends { response: z.ZodType } ? N : never }[RouteName];
export type CallOutput<N extends JsonRouteName> = z.output<Routes[N]['response']>;

/** The input argument, optional when the route needs nothing. */
type InputArg<N extends RouteName, T = CallInput<N>> = Partial<T> extends T ? [input?: T] : [input: T];

export interface ApiClient {
  readonly baseUrl: string;
  /** Calls a route of the table by name; resolves to its answer, parsed with the route's schema. */
  call<N extends JsonRouteName>(name: N, ...input: InputArg<N>): Promise<CallOutput<N>>;
  /** The absolute URL of a route with its params and query (for a download the page fetches itself). */
  url<N extends RouteName>(name: N, ...input: InputArg<N, Pick<CallInput<N>, 'params' | 'query'>>): string;
}

/** A call's input, whatever the route (the names' types above check it at the call site). */
interface AnyInput {
  params?: Record<string, string>;
  query?: object;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** `route.path` with its `{name}` parameters filled in, URL-encoded. */
function fillPath(route: ApiRoute, params: Record<string, string> = {}): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${route.path}: missing path parameter "${name}"`);
    return encodeURIComponent(value);
  });
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  function urlOf(route: ApiRoute, input: AnyInput): URL {
    const url = new URL(baseUrl + fillPath(route, input.params));
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async function call<N extends JsonRouteName>(name: N, ...args: InputArg<N>): Promise<CallOutput<N>> {
    const route: ApiRoute = routes[name];
    const input: AnyInput = args[0] ?? {};
    const method = route.method.toUpperCase();
    const url = urlOf(route, input);
    // The server takes JSON bodies only, on every POST and PUT (a route without one gets `{}`).
    const body = method === 'GET' ? undefined : (input.body ?? {});

    const timeoutMs = input.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';

    let res: Response;
    try {
      res = await doFetch(url.toString(), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        // Bearer auth only: never send or store cookies for the server (contract: "Cross-origin use").
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      if (timeout.aborted) throw new ApiError('timeout', `No answer from ${url.origin} within ${timeoutMs / 1000} s`);
      if (input.signal?.aborted) throw err;
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
      const error = ErrorBody.safeParse(json);
      const message = error.success
        ? error.data.error.message
        : `The server answered ${res.status} ${res.statusText}`.trim();
      throw new ApiError('http', message, {
        status: res.status,
        code: error.success ? error.data.error.code : undefined,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      });
    }
    const parsed = (route.response as z.ZodType).safeParse(json);
    if (!parsed.success) {
      throw new ApiError('invalid_response', `Unexpected answer from the server for ${method} ${url.pathname}`, {
        status: res.status,
        cause: parsed.error,
      });
    }
    return parsed.data as CallOutput<N>;
  }

  return {
    baseUrl,
    call,
    url: (name, ...args) => urlOf(routes[name], args[0] ?? {}).toString(),
  };
}
