import type { Kysely } from 'kysely';
import type { Database } from './schema';

// Calibration sessions (issue 16, migration 80): the session, its reviewers, its drafts and each
// reviewer's judgement of each draft. Judgements never touch drafts or decisions: nothing is sent.

export interface CalibrationSessionsTable {
  id: string;
  workflow: string;
  name: string;
  created_by: string;
  created_at: string;
  closed_at: string | null;
}

export interface CalibrationReviewersTable {
  session_id: string;
  user_id: string;
}

export interface CalibrationItemsTable {
  session_id: string;
  draft_id: string;
  position: number;
}

export interface CalibrationJudgementsTable {
  session_id: string;
  draft_id: string;
  user_id: string;
  verdict: string;
  reasons_json: string;
  note: string | null;
  dwell_ms: number | null;
  judged_at: string;
}

export interface CalibrationDatabase extends Database {
  calibration_sessions: CalibrationSessionsTable;
  calibration_reviewers: CalibrationReviewersTable;
  calibration_items: CalibrationItemsTable;
  calibration_judgements: CalibrationJudgementsTable;
}

export const calDb = (db: Kysely<Database>): Kysely<CalibrationDatabase> =>
  db as unknown as Kysely<CalibrationDatabase>;

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped handle
type AnyDb = Kysely<any>;

/** Migration 80. */
export async function createCalibrationTables(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('calibration_sessions')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workflow', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .execute();
  await db.schema
    .createTable('calibration_reviewers')
    .ifNotExists()
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('calibration_reviewers_pk', ['session_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('calibration_reviewers_user')
    .ifNotExists()
    .on('calibration_reviewers')
    .column('user_id')
    .execute();
  await db.schema
    .createTable('calibration_items')
    .ifNotExists()
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('calibration_items_pk', ['session_id', 'draft_id'])
    .execute();
  await db.schema
    .createTable('calibration_judgements')
    .ifNotExists()
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('draft_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('reasons_json', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('dwell_ms', 'bigint')
    .addColumn('judged_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('calibration_judgements_pk', ['session_id', 'draft_id', 'user_id'])
    .execute();
}
