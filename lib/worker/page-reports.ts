import type { ApiClient } from '../shared/api-client';
import type { HealthCount, HealthPart, PageReport, Site } from '../shared/schema';
import { type CountersignDb, getMeta, PageReportRow, setMeta } from './db';

/**
 * Issue 18, worker half: the page-report outbox and site-health counters. The content script
 * reports through `reportPage` / `reportHealth` (lib/shared/schema/protocol.ts); the sync engine
 * pushes them after the decisions (`pushPageData`), so a report never overtakes its approval.
 */

/** A report the server kept answering `waiting` for this long is dropped (its approval was undone). */
export const PAGE_REPORT_TTL_MS = 7 * 24 * 3600_000;
const BATCH = 100;

/** Saves a report once (idempotent on its id); resolves after the commit. */
export async function savePageReport(
  db: CountersignDb,
  report: PageReport,
  account: string,
  now = new Date(),
): Promise<boolean> {
  return db.transaction('rw', db.pageReports, async () => {
    if (await db.pageReports.get(report.id)) return false;
    await db.pageReports.add(
      PageReportRow.parse({
        id: report.id,
        account,
        draftId: report.draftId,
        report,
        state: 'pending',
        createdAt: now.toISOString(),
        attempts: 0,
      }),
    );
    return true;
  });
}

/** Counts parts of a recognised page that were not found (one per page view and part, by the caller). */
export async function countHealth(
  db: CountersignDb,
  site: Site,
  selectorVersion: string,
  parts: HealthPart[],
  now = new Date(),
): Promise<number> {
  const at = now.toISOString();
  const day = at.slice(0, 10);
  return db.transaction('rw', db.meta, async () => {
    const rows = (await getMeta(db, 'health')) ?? {};
    for (const part of parts) {
      const key = `${site}|${selectorVersion}|${part}|${day}`;
      const prev = rows[key];
      rows[key] = prev
        ? { ...prev, count: prev.count + 1, lastAt: at }
        : { site, selectorVersion, part, day, count: 1, firstAt: at, lastAt: at };
    }
    await setMeta(db, 'health', rows);
    return parts.length;
  });
}

/** Pushes pending page reports of `account`, then the health counters. Returns the drafts touched. */
export async function pushPageData(
  client: ApiClient,
  withDb: <T>(fn: (db: CountersignDb) => Promise<T>) => Promise<T>,
  account: string,
  now = new Date(),
): Promise<void> {
  const pending = await withDb(async (db) =>
    (await db.pageReports.where('[account+state]').equals([account, 'pending']).toArray())
      .map((r) => PageReportRow.safeParse(r))
      .filter((r) => r.success)
      .map((r) => r.data)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
  );
  for (let i = 0; i < pending.length; i += BATCH) {
    const rows = pending.slice(i, i + BATCH);
    const out = await client.call('pageReports', { body: { reports: rows.map((r) => r.report) } });
    const byId = new Map(out.results.map((r) => [r.id, r]));
    await withDb((db) =>
      db.transaction('rw', db.pageReports, async () => {
        for (const row of rows) {
          const res = byId.get(row.id);
          row.attempts += 1;
          if (res?.status === 'applied' || res?.status === 'duplicate') row.state = 'done';
          else if (res?.status === 'rejected') {
            row.state = 'rejected';
            row.error = res.error;
          } else if (now.getTime() - Date.parse(row.createdAt) > PAGE_REPORT_TTL_MS) {
            row.state = 'rejected';
            row.error = 'the approval never reached the server';
          }
          await db.pageReports.put(row);
        }
        // Settled reports are history the server holds: keep only the pending ones here.
        await db.pageReports.where('[account+state]').equals([account, 'done']).delete();
      }),
    );
  }
  const health = await withDb((db) => getMeta(db, 'health'));
  const counts: HealthCount[] = Object.values(health ?? {});
  if (counts.length === 0) return;
  await client.call('siteHealth', { body: { counts: counts.slice(0, 500) } });
  // Counts added while the request was out stay for the next sync.
  await withDb((db) =>
    db.transaction('rw', db.meta, async () => {
      const rows = (await getMeta(db, 'health')) ?? {};
      for (const c of counts) {
        const key = `${c.site}|${c.selectorVersion}|${c.part}|${c.day}`;
        const cur = rows[key];
        if (!cur) continue;
        if (cur.count <= c.count) delete rows[key];
        else rows[key] = { ...cur, count: cur.count - c.count, firstAt: c.lastAt };
      }
      await setMeta(db, 'health', rows);
    }),
  );
}
