import Dexie, { type Table } from 'dexie';
import { z } from 'zod';
import { Decision, DecisionResult } from '../../shared/schema';
import { SyncState } from '../../shared/schema/protocol';
import { defineVersion4, type PageReportRow } from './page';

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
 *   v3  outbox rows gain `sendAfter` (a decision in its undo window is held here, not in the page, and
 *       not pushed before that time; null = send now); new `accounts` table (who and where each
 *       outbox account is, to say "3 decisions for Maya on http://… not yet sent").
 *   v4  new `pageReports` table: the page-report outbox (lib/worker/db/page.ts).
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
  /**
   * Held until this time (the panel's undo window; ISO). Not pushed before it; the person can still
   * take it back (`cancelHeldDecision`). Null: send as soon as possible. Absent on rows of v2.
   */
  sendAfter: z.string().nullable().default(null),
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

/** An account (server + person) that outbox rows belong to: what the popup and options name it. */
export const AccountRow = z.object({
  /** `accountKey()`: the outbox rows' `account`. */
  key: z.string(),
  serverUrl: z.string(),
  userId: z.string(),
  /** The person's display name as the server gave it at Connect (the id when unknown). */
  userName: z.string(),
  lastConnectedAt: z.string().nullable(),
});
export type AccountRow = z.infer<typeof AccountRow>;

export interface MetaRow {
  key: string;
  value: unknown;
}

export class CountersignDb extends Dexie {
  drafts!: Table<DraftRow, string>;
  outbox!: Table<OutboxRow, string>;
  meta!: Table<MetaRow, string>;
  problems!: Table<ProblemRow, string>;
  accounts!: Table<AccountRow, string>;
  pageReports!: Table<PageReportRow, string>;

  constructor(name = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    defineVersion1(this);
    defineVersion2(this);
    defineVersion3(this);
    defineVersion4(this);
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

/** `accountKey()` is `${serverUrl}|${userId}`; the URL never holds a `|` (it is normalised). */
export function splitAccountKey(key: string): { serverUrl: string; userId: string } {
  const at = key.lastIndexOf('|');
  return at < 0 ? { serverUrl: key, userId: '' } : { serverUrl: key.slice(0, at), userId: key.slice(at + 1) };
}

export function defineVersion3(db: Dexie) {
  db.version(3)
    .stores({
      drafts: 'id, version, waiting',
      outbox: 'id, [state+seq], [account+state+seq], draftId',
      meta: 'key',
      problems: 'key',
      accounts: 'key',
    })
    .upgrade(async (tx) => {
      // v2 outbox rows: every one was handed over after its undo window, so none is held.
      const keys = new Set<string>();
      await tx
        .table('outbox')
        .toCollection()
        .modify((row: Record<string, unknown>) => {
          row.sendAfter ??= null;
          if (typeof row.account === 'string') keys.add(row.account);
        });
      // Name every account that has rows, so the popup can list them; the name is learnt at Connect.
      await tx.table('accounts').bulkPut(
        [...keys].map((key) => {
          const { serverUrl, userId } = splitAccountKey(key);
          return { key, serverUrl, userId, userName: userId, lastConnectedAt: null };
        }),
      );
    });
}
