import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Role, Specialty } from '../../lib/shared/schema';
import { jsonLogger, silentLogger } from '../../server/log';
import { type StartOptions, startServer } from '../../server/main';
import type { Store } from '../../server/store';
import { createToken } from '../../server/tokens';

export type TestDb = 'sqlite' | 'postgres';

export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TokenOptions {
  /** User id; default `<role>-<n>` (a fresh user per call). */
  user?: string;
  name?: string;
  specialty?: Specialty | Specialty[];
}

export interface TestServer {
  url: string;
  store: Store;
  db: TestDb;
  /** The server's DATABASE_URL (a fresh database of its own). */
  databaseUrl: string;
  /** Creates a user (if new) with `role` and returns a fresh bearer token for it. */
  token(role: Role, opts?: TokenOptions): Promise<string>;
  /** fetch against the server with a JSON body and bearer token. */
  api(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

let counter = 0;

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
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Starts a real server (HTTP on a free port) on a fresh temp SQLite file or a fresh PostgreSQL
 * database; `close()` stops it and deletes the database. The rate limit is raised so tests are
 * not throttled unless they ask for a limit.
 */
export async function startTestServer(
  db: TestDb = 'sqlite',
  opts: Omit<StartOptions, 'databaseUrl' | 'store'> = {},
): Promise<TestServer> {
  const fresh = await freshDatabase(db);
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    // TEST_LOG=1 prints the server's JSON logs (errors included) while debugging a test.
    logger: process.env.TEST_LOG ? jsonLogger() : silentLogger,
    rateLimit: { limit: 1_000_000 },
    ...opts,
    databaseUrl: fresh.url,
  });
  return {
    url: running.url,
    store: running.store,
    db,
    databaseUrl: fresh.url,
    async token(role, o = {}) {
      const user = o.user ?? `${role}-${++counter}`;
      return (await createToken(running.store, { user, role, name: o.name, specialty: o.specialty, actor: 'test' }))
        .token;
    },
    api(path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(running.url + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    },
    async close() {
      await running.close();
      await fresh.drop();
    },
  };
}

/** Both databases, for `describe.each(TEST_DBS)`. Set TEST_DBS=sqlite to skip PostgreSQL locally. */
export const TEST_DBS: TestDb[] = (process.env.TEST_DBS?.split(',') as TestDb[] | undefined) ?? ['sqlite', 'postgres'];
