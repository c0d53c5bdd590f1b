import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, TEST_DBS, TEST_PG_URL, type TestApi } from '../helpers/server';

// PostgreSQL only: the database ends the server's idle pooled connections, as a restart or an
// administrator would. The pool reports that as an 'error' event, which used to end the process.
const onPg = TEST_DBS.includes('postgres');
let s: TestApi;

beforeAll(async () => {
  if (onPg) s = await startTestApp('postgres');
});
afterAll(() => s?.close());

it.runIf(onPg)('survives the database ending its idle connections, and the next request works', async () => {
  const token = await s.token('reviewer');
  expect((await s.api('/v1/queue', { token })).status).toBe(200);
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
      [new URL(s.databaseUrl).pathname.slice(1)],
    );
    expect(killed.rowCount).toBeGreaterThan(0);
  } finally {
    await admin.end();
  }
  await new Promise((r) => setTimeout(r, 300));
  expect((await s.api('/v1/queue', { token })).status).toBe(200);
});
