import { createRoute } from '@hono/zod-openapi';
import type { z } from 'zod';
import type { ApiRoute } from '../../lib/shared/api/routes';
import { ErrorBody } from '../../lib/shared/schema';
import { bearerSecurity, validatedSynchronously } from '../context';

// The server's OpenAPI routes are built from the shared route table (lib/shared/api/routes.ts):
// method, path, params, query, body and answer come from there, so the server and the extension's
// client cannot disagree on them; the words (summary, what each answer means) are the server's.

type ErrorStatus = 400 | 401 | 403 | 404 | 409;
type Errors = { readonly [K in ErrorStatus]?: string };
type None = Record<never, never>;
type Json<S> = { content: { 'application/json': { schema: S } } };

type RequestOf<R extends ApiRoute> = (R extends { params: infer P extends z.ZodObject } ? { params: P } : None) &
  (R extends { query: infer Q extends z.ZodObject } ? { query: Q } : None) &
  (R extends { body: infer B extends z.ZodType } ? { body: { required: true } & Json<B> } : None);

type ResponsesOf<R extends ApiRoute, X extends Errors> = {
  200: R extends { response: infer S extends z.ZodType } ? { description: string } & Json<S> : { description: string };
} & { [K in keyof X]: { description: string } & Json<typeof ErrorBody> };

export interface RouteDoc<X extends Errors> {
  summary: string;
  /** What the 200 answer holds. */
  ok: string;
  /** The error answers a caller may get (each with the contract's error body): status → meaning. */
  errors: X;
  /** No access token needed (the health check). */
  public?: boolean;
}

/** The errors of most routes: bad input, no token, a role that may not. */
export const ERRORS = { 400: 'Invalid input', 401: 'No or unknown token', 403: 'Role may not' } as const;

/** `route.path` relative to the prefix its sub-app is mounted at (`/v1/drafts/{id}` at `/v1/drafts`: `/{id}`). */
export function pathUnder(prefix: string, path: string): string {
  if (path === prefix) return '/';
  if (!path.startsWith(`${prefix}/`)) throw new Error(`route ${path} is not under its sub-app's prefix ${prefix}`);
  return path.slice(prefix.length);
}

/**
 * The OpenAPI route for a route of the table, in a sub-app mounted at `prefix`. Request bodies are
 * validated synchronously (see `validatedSynchronously`); every route but a public one needs a
 * bearer token.
 */
export function openApiRoute<const R extends ApiRoute, const X extends Errors>(
  prefix: string,
  route: R,
  doc: RouteDoc<X>,
) {
  const request = {
    ...(route.params ? { params: route.params } : {}),
    ...(route.query ? { query: route.query } : {}),
    ...(route.body
      ? { body: { required: true, content: { 'application/json': { schema: validatedSynchronously(route.body) } } } }
      : {}),
  } as RequestOf<R>;
  const errors = Object.fromEntries(
    Object.entries(doc.errors).map(([status, description]) => [
      status,
      { description, content: { 'application/json': { schema: ErrorBody } } },
    ]),
  );
  const ok = route.response
    ? { description: doc.ok, content: { 'application/json': { schema: route.response } } }
    : { description: doc.ok };
  return createRoute({
    method: route.method,
    path: pathUnder(prefix, route.path),
    summary: doc.summary,
    ...(doc.public ? {} : { security: bearerSecurity }),
    ...(Object.keys(request).length ? { request } : {}),
    responses: { 200: ok, ...errors } as ResponsesOf<R, X>,
  } as {
    method: R['method'];
    path: string;
    summary: string;
    security?: typeof bearerSecurity;
    request: RequestOf<R>;
    responses: ResponsesOf<R, X>;
  });
}
