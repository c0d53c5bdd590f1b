import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { writeHistory } from '../../server/service/governance';
import { seededHistory } from '../helpers/governance-data';
import { startTestApp, TEST_DBS } from '../helpers/server';

// Issue 16, migration 100: every evaluation sums two windows' first (partial) days from the facts,
// the step-back rates' and the threshold recommendation's (and, since migration 103, the
// auto-adjustment's over the first of them). Those sums name only columns of
// gov_facts_workflow_created_sums, so they are read from that index alone, not a table page per fact
// (a day's facts lie scattered over the table as decisions and outcomes rewrite them). The statements
// the evaluator really sends are caught at the driver and their plans asked for.

const NOW = Date.parse('2026-11-20T15:30:00.000Z');
const WF = 'crm-update';

interface Sent {
  text: string;
  values: readonly unknown[];
}

const restore: (() => void)[] = [];
const ROLLBACK = new Error('rolled back on purpose');
afterEach(() => {
  for (const r of restore.splice(0)) r();
});

/**
 * Every first-day statement (`… from gov_facts f where …`) the drivers are given until `stop`. (A pool
 * client may keep the method it found when it connected: the catching stops by a flag too.)
 */
function catchFirstDayStatements(): { sent: Sent[]; stop: () => void } {
  const sent: Sent[] = [];
  let on = true;
  const matches = (text: unknown): text is string =>
    on && typeof text === 'string' && /from gov_facts f where/.test(text);
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: unknown; values?: unknown[] };
    const text = typeof first === 'string' ? first : first?.text;
    const values = typeof first === 'string' ? (args[1] as unknown[] | undefined) : first?.values;
    if (matches(text)) sent.push({ text, values: values ?? [] });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  restore.push(() => {
    pg.Client.prototype.query = query;
  });
  const prepare = BetterSqlite3.prototype.prepare;
  BetterSqlite3.prototype.prepare = function (this: BetterSqlite3.Database, source: string) {
    const stmt = prepare.call(this, source);
    if (!matches(source)) return stmt;
    for (const method of ['all', 'iterate', 'get'] as const) {
      const own = stmt[method].bind(stmt) as (...a: unknown[]) => unknown;
      Object.defineProperty(stmt, method, {
        value: (...params: unknown[]) => {
          sent.push({ text: source, values: params.flat() });
          return own(...params);
        },
      });
    }
    return stmt;
  } as typeof prepare;
  restore.push(() => {
    BetterSqlite3.prototype.prepare = prepare;
  });
  restore.push(() => {
    on = false;
  });
  return {
    sent,
    stop: () => {
      for (const r of restore.splice(0)) r();
    },
  };
}

describe.each(TEST_DBS)("a window's first-day rule sums from an index alone on %s", (db) => {
  it("the evaluator's three first-day reads are answered from gov_facts_workflow_created_sums", async () => {
    const s = await startTestApp(db, { now: () => new Date(NOW) });
    try {
      const admin = await s.token('admin', { user: 'idx-admin' });
      await writeHistory(s.store, seededHistory({ seed: 100, n: 600, now: NOW }));
      const put = await s.api(`/v1/workflows/${WF}`, {
        token: admin,
        method: 'PUT',
        body: { level: 'audit', autoAdjust: true, levelSkipReason: 'index test: evaluate at the audit level' },
      });
      expect(put.status).toBe(200);
      const { sent, stop } = catchFirstDayStatements();
      const res = await s.api(`/v1/workflows/${WF}/evaluate`, { token: admin, method: 'POST', body: {} });
      expect(res.status).toBe(200);
      stop();
      // The step-back rates (`set` over the workflow), the recommendation (`conf` by step) and the
      // auto-adjustment's sums (`zone` by step, migration 103; its threshold on the grid reads no
      // step's facts, migration 104).
      expect(sent.length).toBe(3);
      for (const { text, values } of sent) {
        expect(text).not.toMatch(/segment|model/);
        if (db === 'postgres') {
          // The test tables are small enough to read whole: whether the index alone can answer is
          // asked with the table scans priced out of the way. Rolled back after.
          let plan = '';
          await s.store.db
            .transaction()
            .execute(async (trx) => {
              await sql`set local enable_seqscan = off`.execute(trx);
              await sql`set local enable_bitmapscan = off`.execute(trx);
              const r = await trx.executeQuery(CompiledQuery.raw(`explain (format json) ${text}`, [...values]));
              plan = JSON.stringify(r.rows);
              throw ROLLBACK;
            })
            .catch((err: unknown) => {
              if (err !== ROLLBACK) throw err;
            });
          const scans = [...plan.matchAll(/"Node Type":\s*"([^"]*Scan)"[^{}]*?"Relation Name":\s*"gov_facts"/g)];
          expect(scans.length, plan).toBeGreaterThan(0);
          for (const m of scans) expect(m[1], plan).toBe('Index Only Scan');
          expect(plan).toMatch(/"Index Name":\s*"gov_facts_workflow_created_sums"/);
        } else {
          const r = await s.store.db.executeQuery(CompiledQuery.raw(`explain query plan ${text}`, [...values]));
          const detail = (r.rows as { detail: string }[]).map((x) => x.detail).join('\n');
          expect(detail).toContain('USING COVERING INDEX gov_facts_workflow_created_sums');
        }
      }
    } finally {
      await s.close();
    }
  });
});
