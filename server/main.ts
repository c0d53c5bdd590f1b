import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { type AppDeps, createApp, resolveDeps } from './app';
import { jsonLogger, type Logger } from './log';
import { ALERTS_EVERY_MS, type AlertLimits, alertLimitsFromEnv, checkAlerts } from './service/alerts';
import { expireDrafts, watchDeadlines } from './service/expiry';
import { EVALUATE_EVERY_MS, runEvaluation } from './service/governance/evaluate';
import { createDelivery, type DeliveryOptions } from './service/notify/deliver';
import { type EscalationBatching, escalationBatchingFromEnv, scanForNotifications } from './service/notify/events';
import { closeStreams } from './service/notify/streams';
import { every, startTimers, type TimerOptions, type Timers } from './service/timers';
import { startWebhookWorker, type WebhookWorker, type WebhookWorkerOptions } from './service/webhooks/worker';
import { openStore, type PgOptions, type Store } from './store';

/** Governance alerts on the timers (service/alerts.ts). */
export interface AlertTimerOptions {
  /** How often the alert conditions are checked (ms; 0 = never). Default COUNTERSIGN_ALERTS_INTERVAL_MS or 60 s. */
  alertsEveryMs?: number;
  /** Over the environment's limits. */
  alertLimits?: Partial<AlertLimits>;
  /**
   * Escalation messages per recipient and kind before they come batched (service/notify/events.ts),
   * over COUNTERSIGN_ESCALATIONS_PER_HOUR (default 10 an hour).
   */
  escalationBatching?: Partial<EscalationBatching>;
}

export interface StartOptions extends Omit<AppDeps, 'store' | 'logger'> {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  databaseUrl?: string;
  logger?: Logger;
  /** Use this store instead of opening `databaseUrl` (the caller then owns closing it). */
  store?: Store;
  /** The webhook delivery worker's options (service/webhooks/worker.ts); false = no worker in this process. */
  webhooks?: WebhookWorkerOptions | false;
  /** PostgreSQL pool settings over the environment's (store/pg-options.ts). */
  pg?: Partial<PgOptions>;
  /**
   * Expiry, SLAs, notifications and governance's evaluation (service/timers.ts: one instance at a time on PostgreSQL).
   * `false` turns them off. On PostgreSQL they hold a session of their own (opened with the store's
   * connection string, so a store passed in as `store` runs them too).
   */
  timers?: false | (TimerOptions & DeliveryOptions & AlertTimerOptions);
}

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s, announced to clients as
 * `Keep-Alive: timeout=5`) races the clients' own idle timers: undici (Node's fetch, the SDK, the CLI)
 * keeps a pooled connection until 1 s before the announced timeout, but measures that time with a
 * coarse clock that only advances when its event loop turns — on a busy machine a connection idle
 * for 6 s of real time may count as 2 s, be reused for the next request, and be closed under it by
 * the server ("other side closed" / ECONNRESET; tests/api/keep-alive.test.ts). 65 s leaves that
 * margin to real stalls only, and is above the usual load balancer idle timeout (60 s), which must be
 * shorter than the server's for the same reason. Headers must arrive within a little more than that.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
export const HEADERS_TIMEOUT_MS = 66_000;

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  /** The timers of this instance (null when turned off). */
  timers: Timers | null;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? jsonLogger();
  const ownsStore = !opts.store;
  const store = opts.store ?? (await openStore(opts.databaseUrl, { backgroundCheckpoints: true, pg: opts.pg }));
  const { port: _p, host: _h, databaseUrl: _d, store: _s, pg: _pg, webhooks, timers: timerOpts, ...appOpts } = opts;
  const app = createApp({ ...appOpts, store, logger });
  const deps = resolveDeps({ ...appOpts, store, logger });
  const host = opts.host ?? '127.0.0.1';
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 8787, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  (server as Server).keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  (server as Server).headersTimeout = HEADERS_TIMEOUT_MS;
  const unused = withoutRequests(server as Server);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info('listening', { url, database: store.dialect });
  const worker: WebhookWorker | undefined =
    webhooks === false ? undefined : startWebhookWorker(store, { logger, ...webhooks });
  let timers: Timers | null = null;
  let delivery: ReturnType<typeof createDelivery> | null = null;
  if (timerOpts !== false) {
    delivery = createDelivery(store, { ...timerOpts, logger });
    const d = delivery;
    timers = startTimers(
      store,
      opts.databaseUrl ?? store.connectionString,
      [
        async (now) => void (await expireDrafts(store, now)),
        // SLAs and deadline warnings from one read of the waiting drafts.
        async (now) => void (await watchDeadlines(store, now)),
        async (now) =>
          void (await scanForNotifications(store, now, {
            batching: { ...escalationBatchingFromEnv(), ...timerOpts?.escalationBatching },
          })),
        async (now) => void (await d.deliver(now)),
        every(timerOpts?.governanceEveryMs ?? EVALUATE_EVERY_MS, async () => void (await runEvaluation(deps))),
        every(
          timerOpts?.alertsEveryMs ?? ALERTS_EVERY_MS,
          async (now) => void (await checkAlerts(store, now, { ...alertLimitsFromEnv(), ...timerOpts?.alertLimits })),
        ),
      ],
      logger,
      timerOpts || {},
    );
  }
  let closing: Promise<void> | undefined;
  // A step of the stop still running after 5 s is named in the log: what a stop that hangs waits on.
  const step = async (name: string, work: Promise<unknown> | undefined) => {
    const slow = setTimeout(() => logger.warn('stopping: still waiting', { step: name }), 5_000);
    try {
      await work;
    } finally {
      clearTimeout(slow);
    }
  };
  return {
    url,
    port,
    store,
    timers,
    close() {
      closing ??= (async () => {
        // Hand the timers over first (ending their session releases the advisory lock).
        await step('timers', timers?.stop());
        delivery?.close();
        // Live streams never end by themselves: end them first (their clients reconnect elsewhere).
        closeStreams(store);
        const requests = new Promise<void>((resolve) => {
          // close() waits for every connection to end. A keep-alive one stays open (65 s) after its
          // last response, and one that has not sent a whole request head counts as busy until the
          // headers timeout (66 s): end every connection without a request in flight now and, until
          // the server is closed, each one as its in-flight request finishes.
          const sweep = setInterval(unused.end, 25);
          server.close(() => {
            clearInterval(sweep);
            resolve();
          });
          unused.end();
        });
        await step('requests in flight', requests);
        await step('webhook worker', worker?.stop());
        if (ownsStore) await step('database', store.close());
        logger.info('stopped');
      })();
      return closing;
    },
  };
}

/**
 * The server's connections with no request in flight: idle between requests, or accepted with no
 * request yet (a client's spare or abandoned connection, a request head still arriving). Node's
 * `closeIdleConnections` ends the first kind only; it counts the second as busy from the moment of
 * accepting, against clients that never send (its headers timeout ends them), so a stop would wait
 * 66 s for it. `end()` ends both; a request whose head had not all arrived never reached a handler.
 */
function withoutRequests(server: Server): { end: () => void } {
  const handling = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    handling.set(socket, 0);
    socket.once('close', () => handling.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    handling.set(socket, (handling.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = handling.get(socket);
      if (n !== undefined) handling.set(socket, n - 1);
    });
  });
  return {
    end() {
      server.closeIdleConnections();
      for (const [socket, n] of handling) if (n === 0) socket.destroy();
    },
  };
}

async function runFromCli() {
  const logger = jsonLogger();
  const port = process.env.PORT ? Number(process.env.PORT) : 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const running = await startServer({
    port,
    host: process.env.HOST || '127.0.0.1',
    databaseUrl: process.env.DATABASE_URL,
    logger,
  });
  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (e) => {
        logger.error('shutdown failed', { error: String(e) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFromCli().catch((e) => {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: 'failed to start', error: String(e?.message ?? e) })}\n`,
    );
    process.exit(1);
  });
}
