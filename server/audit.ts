import type { Trx } from './store';

export interface AuditInput {
  actor: string;
  action: string;
  draftId?: string | null;
  workflow?: string | null;
  original?: unknown;
  final?: unknown;
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
      original_json: json(e.original),
      final_json: json(e.final),
      reasons_json: JSON.stringify(e.reasons ?? []),
      detail_json: json(e.detail),
    })
    .execute();
}

/** Batch form for ingest (one statement for many entries). */
export async function appendAuditMany(trx: Trx, entries: AuditInput[]): Promise<void> {
  if (!entries.length) return;
  const at = new Date().toISOString();
  await trx
    .insertInto('audit_log')
    .values(
      entries.map((e) => ({
        at,
        actor: e.actor,
        action: e.action,
        draft_id: e.draftId ?? null,
        workflow: e.workflow ?? null,
        original_json: json(e.original),
        final_json: json(e.final),
        reasons_json: JSON.stringify(e.reasons ?? []),
        detail_json: json(e.detail),
      })),
    )
    .execute();
}
