import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type ApiClient, createApiClient } from '../../lib/shared/api-client';
import type { Role, Specialty } from '../../lib/shared/schema';
import { type AppDeps, createApp } from '../../server/app';
import { jsonLogger, silentLogger } from '../../server/log';
import { type StartOptions, startServer } from '../../server/main';
import { openStore, type Store } from '../../server/store';
import { createToken } from '../../server/tokens';

export type TestDb = 'sqlite' | 'postgres';

export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TokenOptions {
  /** User id; default `<role>-<n>` (a fresh user per call). */
  user?: string;
  name?: string;
  specialty?: Specialty | Specialty[];
}

/** The API over a fresh database, in process (`startTestApp`) or on a real socket (`startTestServer`). */
export interface TestApi {
  store: Store;
  db: TestDb;
  /** The server's DATABASE_URL (a fresh database of its own). */
  databaseUrl: string;
  /** Creates a user (if new) with `role` and returns a fresh bearer token for it. */
  token(role: Role, opts?: TokenOptions): Promise<string>;
  /** A request to the API with a JSON body and bearer token. */
  api(path: string, init?: ApiInit): Promise<Response>;
  /** The extension's API client (lib/shared/api-client.ts) on this API, with the token. */
  client(token?: string): ApiClient;
  /** Stops the server (if any), closes the store and deletes the database. */
  close(): Promise<void>;
}

/** A real server on a free port, for tests of what happens on the socket. */
export interface TestServer extends TestApi {
  url: string;
}

export interface ApiInit {
  method?: string;
  token?: string;
  /** Sent as JSON (a string as it is), with `content-type: application/json` unless given. */
  body?: unknown;
  headers?: Record<string, string>;
}

let counter = 0;

/**
 * PostgreSQL test databases dropped in the background (`deferPgDrops`): DROP DATABASE waits for an
 * immediate checkpoint of the whole server (0.3–3 s here), which a test need not wait for. The
 * drop still starts at once (ending the database's sessions as before); `settlePgDrops` waits for
 * them all and reports the first that failed.
 */
const pendingDrops = new Set<Promise<unknown>>();
const failedDrops: unknown[] = [];
let deferDrops = false;

/** From now on in this process, `drop()` of a PostgreSQL test database returns before the drop ends. */
export function deferPgDrops(): void {
  deferDrops = true;
}

/** Waits for the drops `deferPgDrops` let run in the background; throws if one failed. */
export async function settlePgDrops(): Promise<void> {
  while (pendingDrops.size) await Promise.all(pendingDrops);
  if (failedDrops.length) throw failedDrops.splice(0)[0];
}

/** A database URL for a fresh, empty database, and a function that removes it again. */
export async function freshDatabase(db: TestDb): Promise<{ url: string; drop(): Promise<void> }> {
  if (db === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cs-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `cs_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const dropping = (async () => {
        const c = new pg.Client({ connectionString: TEST_PG_URL });
        await c.connect();
        try {
          await c.query(`drop database if exists ${name} with (force)`);
        } finally {
          await c.end();
        }
      })();
      if (!deferDrops) return dropping;
      const tracked = dropping.catch((e) => failedDrops.push(e)).finally(() => pendingDrops.delete(tracked));
      pendingDrops.add(tracked);
    },
  };
}

/** `fetch`'s arguments for `api(path, init)`: the bearer token and JSON body as headers and text. */
function requestInit(init: ApiInit): RequestInit {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  return { method: init.method ?? (body ? 'POST' : 'GET'), headers, body };
}

/** A token maker for the store: creates the user (a fresh one unless named) with the role. */
function tokenMaker(store: Store): TestApi['token'] {
  return async (role, o = {}) => {
    const user = o.user ?? `${role}-${++counter}`;
    return (await createToken(store, { user, role, name: o.name, specialty: o.specialty, actor: 'test' })).token;
  };
}

// TEST_LOG=1 prints the server's JSON logs (errors included) while debugging a test.
const testLogger = () => (process.env.TEST_LOG ? jsonLogger() : silentLogger);

/**
 * Starts a real server (HTTP on a free port) on a fresh temp SQLite file or a fresh PostgreSQL
 * database; `close()` stops it and deletes the database. The rate limit is raised so tests are
 * not throttled unless they ask for a limit. For tests of the socket: Node request bodies,
 * streaming, connections, headers on the wire. Anything else: `startTestApp`.
 */
export async function startTestServer(
  db: TestDb = 'sqlite',
  opts: Omit<StartOptions, 'databaseUrl' | 'store'> = {},
): Promise<TestServer> {
  const fresh = await freshDatabase(db);
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    logger: testLogger(),
    rateLimit: { limit: 1_000_000 },
    authFailures: { limit: 1_000_000 },
    ...opts,
    databaseUrl: fresh.url,
  });
  return {
    url: running.url,
    store: running.store,
    db,
    databaseUrl: fresh.url,
    token: tokenMaker(running.store),
    api: (path, init = {}) => fetch(running.url + path, requestInit(init)),
    client: (token) => createApiClient({ baseUrl: running.url, token }),
    async close() {
      await running.close();
      await fresh.drop();
    },
  };
}

/**
 * The same API as `startTestServer` (same app, store and defaults) without a port: requests go
 * straight to `createApp(...).request()`, as HTTP semantics without a socket. TEST_SOCKET=1 runs
 * them on a real server instead.
 */
export async function startTestApp(db: TestDb = 'sqlite', opts: Omit<AppDeps, 'store'> = {}): Promise<TestApi> {
  if (process.env.TEST_SOCKET === '1') return startTestServer(db, opts);
  const fresh = await freshDatabase(db);
  // As the server opens it (server/main.ts).
  const store = await openStore(fresh.url, { backgroundCheckpoints: true });
  const app = createApp({
    logger: testLogger(),
    rateLimit: { limit: 1_000_000 },
    authFailures: { limit: 1_000_000 },
    ...opts,
    store,
  });
  return {
    store,
    db,
    databaseUrl: fresh.url,
    token: tokenMaker(store),
    api: async (path, init = {}) => app.request(path, requestInit(init)),
    // The client's absolute URLs go to the app as they are (no host is looked at).
    client: (token) =>
      createApiClient({
        baseUrl: 'http://app.test',
        token,
        fetch: async (input, init) => app.request(String(input), init),
      }),
    async close() {
      await store.close();
      await fresh.drop();
    },
  };
}

/** Both databases, for `describe.each(TEST_DBS)`. Set TEST_DBS=sqlite to skip PostgreSQL locally. */
export const TEST_DBS: TestDb[] = (process.env.TEST_DBS?.split(',') as TestDb[] | undefined) ?? ['sqlite', 'postgres'];
