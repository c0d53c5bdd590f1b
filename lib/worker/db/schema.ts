import Dexie, { type Table } from 'dexie';
import { z } from 'zod';
import { Decision, DecisionResult } from '../../shared/schema';
import { SyncState } from '../../shared/schema/protocol';
import { defineVersion3, type PageReportRow } from './page';

/**
 * The extension's IndexedDB (issue 3). Opened only by the service worker and extension pages:
 * a content script's IndexedDB belongs to the page.
 *
 * Versions are append-only: never edit a shipped `version()` block, add the next one with its
 * upgrade, and add a test in tests/unit/db-upgrade.test.ts that opens the previous version with data.
 *   v1  drafts(id, version) · outbox(id, state, createdAt) · meta(key)
 *   v2  drafts gain `waiting` (0/1, indexed: the badge count without a scan);
 *       outbox gains `seq` (a strict save order; createdAt ties within a millisecond) and `draftId`,
 *       indexed by [account+state+seq] so batches and counts never scan other rows;
 *       new `problems` table (malformed drafts skipped by pull, shown as "needs attention").
 *   v3  (i18) new `pageReports` table: the page-report outbox (lib/worker/db/page.ts).
 */

export const DB_NAME = 'countersign';

/** The server's draft as last pulled. `draft` is stored as parsed; it is parsed again on read. */
export const DraftRow = z.object({
  id: z.string(),
  /** Server version of the row (pull cursor order). */
  version: z.number().int(),
  draft: z.unknown(),
  /** 1 = waiting for a decision from me; 0 = settled, or decided here (pending push). */
  waiting: z.union([z.literal(0), z.literal(1)]),
  /** The id of my latest decision on it saved in this browser. */
  localDecisionId: z.string().nullable(),
});
export type DraftRow = z.infer<typeof DraftRow>;

/** An outbox row's state: the protocol's one sync-state enum. */
export const OutboxState = SyncState;
export type OutboxState = SyncState;

/** One decision made in this browser, from the moment it is saved until the server settles it. */
export const OutboxRow = z.object({
  /** The decision's own id (client-made uuid): the server's idempotency key. */
  id: z.string(),
  seq: z.number().int(),
  draftId: z.string(),
  /** `accountKey()` of the connection it was made under: never pushed with another person's token. */
  account: z.string(),
  decision: Decision,
  state: OutboxState,
  createdAt: z.string(),
  /** Push attempts that reached the server or failed on the network. */
  attempts: z.number().int(),
  result: DecisionResult.nullable(),
  settledAt: z.string().nullable(),
  /** The person dismissed it from the "needs attention" list. */
  dismissed: z.boolean(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;

export const ProblemRow = z.object({
  key: z.string(),
  kind: z.literal('malformed_draft'),
  draftId: z.string().nullable(),
  message: z.string(),
  at: z.string(),
});
export type ProblemRow = z.infer<typeof ProblemRow>;

export interface MetaRow {
  key: string;
  value: unknown;
}

export class CountersignDb extends Dexie {
  drafts!: Table<DraftRow, string>;
  outbox!: Table<OutboxRow, string>;
  meta!: Table<MetaRow, string>;
  problems!: Table<ProblemRow, string>;
  pageReports!: Table<PageReportRow, string>;

  constructor(name = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    defineVersion1(this);
    defineVersion2(this);
    defineVersion3(this);
  }
}

/** v1: kept verbatim so the upgrade test can open a v1 database (see the header). */
export function defineVersion1(db: Dexie) {
  db.version(1).stores({
    drafts: 'id, version',
    outbox: 'id, state, createdAt',
    meta: 'key',
  });
}

// The open statuses as of version 2, spelled out rather than OPEN_STATUSES: an upgrade step must go
// on meaning what it meant when it shipped.
const OPEN = new Set(['pending', 'awaiting_second', 'escalated']);

export function defineVersion2(db: Dexie) {
  db.version(2)
    .stores({
      drafts: 'id, version, waiting',
      outbox: 'id, [state+seq], [account+state+seq], draftId',
      meta: 'key',
      problems: 'key',
    })
    .upgrade(async (tx) => {
      // v1 rows: drafts {id, version, draft, decidedLocally?: string}; outbox rows had no seq/draftId.
      await tx
        .table('drafts')
        .toCollection()
        .modify((row: Record<string, unknown>) => {
          const decided = typeof row.decidedLocally === 'string' ? row.decidedLocally : null;
          const status = (row.draft as { status?: unknown } | undefined)?.status;
          row.localDecisionId = decided;
          row.waiting = !decided && typeof status === 'string' && OPEN.has(status) ? 1 : 0;
          delete row.decidedLocally;
        });
      // v2 drops the createdAt index, so order in memory (the outbox is small: unsent decisions).
      const outbox = (await tx.table('outbox').toArray()) as Record<string, unknown>[];
      outbox.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
      let seq = 0;
      for (const row of outbox) {
        seq += 1;
        row.seq = seq;
        row.draftId = (row.decision as { draftId?: unknown } | undefined)?.draftId ?? '';
        row.result ??= null;
        row.settledAt ??= null;
        row.dismissed ??= false;
        row.attempts ??= 0;
      }
      await tx.table('outbox').bulkPut(outbox);
      await tx.table('meta').put({ key: 'seq', value: seq });
    });
}
