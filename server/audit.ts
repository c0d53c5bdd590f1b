import type { Store, Trx } from './store';
import { type Column, insertRows } from './store/fast';

export interface AuditInput {
  actor: string;
  action: string;
  draftId?: string | null;
  workflow?: string | null;
  original?: unknown;
  final?: unknown;
  /** `original` / `final` already serialised (hot paths that have the JSON at hand); used instead. */
  originalJson?: string | null;
  finalJson?: string | null;
  reasons?: string[];
  detail?: unknown;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * The only way anything is written to the audit log. The log is append-only: there is no update or
 * delete of `audit_log` anywhere in the code (issue 2, item 6).
 */
export async function appendAudit(trx: Trx, e: AuditInput): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: new Date().toISOString(),
      actor: e.actor,
      action: e.action,
      draft_id: e.draftId ?? null,
      workflow: e.workflow ?? null,
      original_json: e.originalJson !== undefined ? e.originalJson : json(e.original),
      final_json: e.finalJson !== undefined ? e.finalJson : json(e.final),
      reasons_json: JSON.stringify(e.reasons ?? []),
      detail_json: json(e.detail),
    })
    .execute();
}

export const AUDIT_COLUMNS: readonly Column[] = [
  ['at', 'text'],
  ['actor', 'text'],
  ['action', 'text'],
  ['draft_id', 'text'],
  ['workflow', 'text'],
  ['original_json', 'text'],
  ['final_json', 'text'],
  ['reasons_json', 'text'],
  ['detail_json', 'text'],
];

/** An entry as values in `AUDIT_COLUMNS` order. */
export function auditValues(e: AuditInput, at: string): unknown[] {
  return [
    at,
    e.actor,
    e.action,
    e.draftId ?? null,
    e.workflow ?? null,
    e.originalJson !== undefined ? e.originalJson : json(e.original),
    e.finalJson !== undefined ? e.finalJson : json(e.final),
    JSON.stringify(e.reasons ?? []),
    json(e.detail),
  ];
}

/** Batch form for ingest and decisions (one statement for many entries, in order). */
export async function appendAuditMany(
  store: Pick<Store, 'dialect' | 'sqlite'>,
  trx: Trx,
  entries: AuditInput[],
): Promise<void> {
  if (!entries.length) return;
  const at = new Date().toISOString();
  await insertRows(
    store,
    trx,
    'audit_log',
    AUDIT_COLUMNS,
    entries.map((e) => auditValues(e, at)),
  );
}
