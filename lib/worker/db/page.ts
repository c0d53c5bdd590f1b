import type Dexie from 'dexie';
import { z } from 'zod';
import { HealthCount, PageReport } from '../../shared/schema';

/**
 * Issue 18 (i18): the page-report outbox. What happened to approved text in the page (placement,
 * end) waits here like a decision in the outbox until the server settles it; a report the server
 * answers `waiting` for (the approval is still in its undo window) stays and goes again.
 */
export const PageReportRow = z.object({
  id: z.string(),
  account: z.string(),
  draftId: z.string(),
  report: PageReport,
  state: z.enum(['pending', 'done', 'rejected']),
  createdAt: z.string(),
  attempts: z.number().int(),
  error: z.string().optional(),
});
export type PageReportRow = z.infer<typeof PageReportRow>;

/** Site-health counters waiting for the next sync, keyed `site|selectorVersion|part|day`. */
export const HealthRows = z.record(z.string(), HealthCount);

/** v4 (additive): the `pageReports` table. */
export function defineVersion4(db: Dexie) {
  db.version(4).stores({
    drafts: 'id, version, waiting',
    outbox: 'id, [state+seq], [account+state+seq], draftId',
    meta: 'key',
    problems: 'key',
    accounts: 'key',
    pageReports: 'id, [account+state], draftId',
  });
}
