/**
 * Tables of issue 18 (migration 50): what happened to approved text in the page, and site health.
 * Kept apart from schema.ts so parallel branches merge cleanly; `Database` includes them.
 */

/** Every page report as received (idempotency on `id`; the history of placements and ends). */
export interface PageReportsTable {
  id: string;
  draft_id: string;
  decision_id: string;
  user_id: string;
  /** `placement` | `end` */
  kind: string;
  /** placement: the text reached the page. */
  reached: boolean | null;
  /** placement: why it did not (NotReachedReason). */
  reason: string | null;
  /** end: sent | saved | discarded | left */
  end_kind: string | null;
  /** end: what the page held; placement: the changed version the page held at approval, if any. */
  content_json: string | null;
  /** The page's content differs from the draft's final content. */
  edited_in_page: boolean | null;
  at: string;
  received_at: string;
}

/** One row per draft once the person sent (email) or saved (record) the approved text. */
export interface DraftSentTable {
  draft_id: string;
  report_id: string;
  user_id: string;
  how: string;
  content_json: string;
  edited_in_page: boolean;
  diff: string | null;
  at: string;
  received_at: string;
}

/** Site health counters: site × selector version × part × UTC day (no content, no personal data). */
export interface SiteHealthTable {
  site: string;
  selector_version: string;
  part: string;
  day: string;
  count: number;
  first_at: string;
  last_at: string;
}

export interface PageTables {
  page_reports: PageReportsTable;
  draft_sent: DraftSentTable;
  site_health: SiteHealthTable;
}

export const PAGE_BOOLEAN_COLUMNS = ['reached', 'edited_in_page'] as const;
