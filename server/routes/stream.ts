import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { routes } from '../../lib/shared/api/routes';
import { ErrorBody, REVIEWER_ROLES } from '../../lib/shared/schema';
import { bearerSecurity, newRouter, type Resource, requireRole } from '../context';
import { MAX_STREAM_MS, streamHub } from '../service/notify/streams';
import { encodeCursor } from '../service/views';
import { pathUnder } from './openapi';

const PREFIX = '/v1/sync';

const errors = (d: string) => ({ description: d, content: { 'application/json': { schema: ErrorBody } } });

const stream = createRoute({
  method: 'get',
  path: pathUnder(PREFIX, routes.stream.path),
  summary: 'Live updates: an event `changes` (data {"cursor"}) whenever the caller\'s queue changes',
  security: bearerSecurity,
  responses: {
    200: {
      description:
        'text/event-stream: `event: changes` with `data: {"cursor"}` within a second of the commit on any instance; a comment line at least every 25 s. Pull from your own cursor on each event.',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    401: errors('No or unknown token'),
    403: errors('Role may not'),
  },
});

/** `GET /v1/sync/stream` (contract v1.1 "Live updates"). The work is in service/notify/streams.ts. */
export const streamRoutes: Resource = {
  prefix: PREFIX,
  routes: ({ store, logger }) =>
    newRouter().openapi(stream, async (c) => {
      const user = requireRole(c, REVIEWER_ROLES);
      const hub = streamHub(store);
      // Listening before the answer starts: a commit after the client saw the headers is never missed.
      await hub.ready();
      // The server is stopping: the client connects again (to another instance behind the balancer).
      if (hub.isClosed) return c.body(null, 503, { 'Retry-After': '1' });
      c.header('x-accel-buffering', 'no');
      return streamSSE(
        c,
        async (s) => {
          let end!: () => void;
          const ended = new Promise<void>((resolve) => {
            end = resolve;
          });
          s.onAbort(() => end());
          // Writes go out in order; a slow client gets one pending event at a time, coalesced.
          let writing = Promise.resolve();
          let pending: number | null = null;
          const write = (fn: () => Promise<void>) => {
            writing = writing.then(fn).catch(() => end());
          };
          const remove = hub.add({
            user,
            changed(version) {
              const first = pending === null;
              pending = version;
              if (!first) return;
              write(async () => {
                const v = pending!;
                pending = null;
                await s.writeSSE({ event: 'changes', data: JSON.stringify({ cursor: encodeCursor(v) }) });
              });
            },
            heartbeat: () => write(() => s.write(': keep-alive\n\n').then(() => {})),
            close: () => end(),
          });
          // Headers and a first line now: the client knows it is connected (and listening).
          write(() => s.write(': connected\n\n').then(() => {}));
          const limit = setTimeout(end, MAX_STREAM_MS);
          limit.unref();
          try {
            await ended;
          } finally {
            clearTimeout(limit);
            remove();
          }
        },
        async (error) => {
          logger.warn('stream failed', { error: String(error) });
        },
      );
    }),
};
