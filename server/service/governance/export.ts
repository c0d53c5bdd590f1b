import type { Content, DraftIn } from '../../../lib/shared/schema';
import type { FeedbackLine } from '../../../lib/shared/schema/governance';
import type { Store } from '../../store';
import { editedInPage, sentFor } from '../sent';
import { parseJson, stable } from './load';

/** Decisions read per page of the export. */
const PAGE = 1_000;

/**
 * One line per applied decision, oldest first by the server's receive time (issue 13: a client
 * clock that is wrong, or a decision that waited offline, must not move a decision in or out of a
 * window; `decidedAt` stays as information). Canary drafts are left out: their "original" is a
 * defect planted by us, not the model's output, and would poison fine-tuning data.
 *
 * Read page by page with a keyset cursor on (received_at, decision id) (index
 * `decisions_received`), so memory stays flat whatever the size of the history; each page's
 * drafts, outcomes, in-page edits and last approvals come in a few queries by key.
 */
export async function* feedbackLines(
  store: Store,
  q: { workflow?: string; since?: string },
): AsyncGenerator<FeedbackLine[]> {
  // The cursor starts just before the window: (since, '') sorts before every decision received at
  // `since` or later, so the window's bound is the same index range as every later page's.
  let after: { at: string; id: string } | null = q.since ? { at: q.since, id: '' } : null;
  for (;;) {
    // The next page of decisions alone, in index order, on a row-value comparison, joined to their
    // drafts by primary key. PostgreSQL turns `(received_at, id) > (…)` into a range on
    // `decisions_received`; the earlier `a > x or (a = x and b > y)` beside the join was only a
    // filter, so every page re-read every decision before it (quadratic: 40–72 s for 80,000
    // decisions). Nothing else is in the page's WHERE clause, so its plan stays an index range even
    // on tables never analysed (autovacuum off); status, canary and workflow filter the page here.
    let page = store.db
      .selectFrom('decisions')
      .select([
        'id',
        'draft_id',
        'user_id',
        'action',
        'status',
        'decided_at',
        'received_at',
        'content_json',
        'reasons_json',
        'note',
        'dwell_ms',
        'diff',
      ]);
    if (after) {
      const { at, id } = after;
      page = page.where((eb) => eb(eb.refTuple('received_at', 'id'), '>', eb.tuple(at, id)));
    }
    const read = await store.db
      .selectFrom(page.orderBy('received_at').orderBy('id').limit(PAGE).as('d'))
      .innerJoin('drafts', 'drafts.id', 'd.draft_id')
      .select([
        'd.id as decisionId',
        'd.draft_id as draftId',
        'd.user_id as userId',
        'd.action as action',
        'd.status as status',
        'd.decided_at as decidedAt',
        'd.received_at as receivedAt',
        'd.content_json as contentJson',
        'd.reasons_json as reasonsJson',
        'd.note as note',
        'd.dwell_ms as dwellMs',
        'd.diff as diff',
        'drafts.external_id as externalId',
        'drafts.workflow as workflow',
        'drafts.kind as kind',
        'drafts.input_json as inputJson',
        'drafts.confidence as confidence',
        'drafts.canary as canary',
      ])
      .orderBy('d.received_at')
      .orderBy('d.id')
      .execute();
    if (read.length === 0) return;
    const lastRead = read[read.length - 1]!;
    after = { at: lastRead.receivedAt, id: lastRead.decisionId };
    const rows = read.filter((r) => r.status === 'applied' && !r.canary && (!q.workflow || r.workflow === q.workflow));
    if (rows.length === 0) {
      if (read.length < PAGE) return;
      continue;
    }
    const ids = [...new Set(rows.map((r) => r.draftId))];
    const outcomes = new Map<string, { correct: boolean; source: string }>();
    for (let i = 0; i < ids.length; i += 500) {
      const os = await store.db
        .selectFrom('outcomes')
        .select(['draft_id', 'correct', 'source'])
        .where('draft_id', 'in', ids.slice(i, i + 500))
        .orderBy('id')
        .execute();
      for (const o of os) outcomes.set(o.draft_id, { correct: !!o.correct, source: o.source });
    }
    // Issue 18: what the person really sent; an approval edited in the page is a correction. It
    // applies to the draft's last applied approval (in the export's order), which may sit on a
    // later page, so it is looked up per draft rather than within the page.
    const inPage = await editedInPage(store.db, store.dialect, ids);
    const inPageIds = [...inPage.keys()];
    const sent = await sentFor(store.db, inPageIds);
    const lastApproval = new Map<string, string>();
    for (let i = 0; i < inPageIds.length; i += 500) {
      const approvals = await store.db
        .selectFrom('decisions')
        .select(['draft_id', 'id', 'received_at'])
        .where('draft_id', 'in', inPageIds.slice(i, i + 500))
        .where('status', '=', 'applied')
        .where('action', 'in', ['approve', 'edit'])
        .execute();
      const best = new Map<string, { id: string; at: string }>();
      for (const a of approvals) {
        const b = best.get(a.draft_id);
        if (!b || a.received_at > b.at || (a.received_at === b.at && a.id > b.id))
          best.set(a.draft_id, { id: a.id, at: a.received_at });
      }
      for (const [d, b] of best) lastApproval.set(d, b.id);
    }
    yield rows.map((r) => {
      const input = (parseJson(r.inputJson) ?? {}) as Partial<DraftIn>;
      const pageContent = lastApproval.get(r.draftId) === r.decisionId ? inPage.get(r.draftId) : undefined;
      const action = r.action as FeedbackLine['action'];
      const decided =
        (parseJson(r.contentJson) as Content | null) ?? (action === 'approve' ? (input.content ?? null) : null);
      const final = pageContent ?? decided;
      const changed =
        (action === 'edit' || pageContent !== undefined) && stable(final) !== stable(input.content ?? null);
      return {
        decisionId: r.decisionId,
        draftId: r.draftId,
        externalId: r.externalId,
        workflow: r.workflow,
        kind: r.kind,
        action,
        userId: r.userId,
        decidedAt: r.decidedAt,
        receivedAt: r.receivedAt,
        original: input.content ?? null,
        final,
        diff: pageContent !== undefined ? (sent.get(r.draftId)?.diff ?? r.diff) : r.diff,
        ...(pageContent !== undefined ? { editedInPage: true } : {}),
        reasons: (parseJson(r.reasonsJson) as string[] | null) ?? [],
        note: r.note,
        confidence: Number(r.confidence),
        model: input.model ?? null,
        dwellMs: r.dwellMs === null ? null : Number(r.dwellMs),
        outcome: outcomes.get(r.draftId) ?? null,
        label:
          (action === 'approve' && !changed) || (action === 'edit' && !changed)
            ? 'accepted'
            : action === 'edit' || action === 'approve'
              ? 'corrected'
              : action === 'reject'
                ? 'rejected'
                : 'escalated',
      };
    });
    if (read.length < PAGE) return;
  }
}

/** The export as a byte stream of JSON lines, read from the database as the client reads it. */
export function feedbackStream(store: Store, q: { workflow?: string; since?: string }): ReadableStream<Uint8Array> {
  const pages = feedbackLines(store, q);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await pages.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value.map((l) => `${JSON.stringify(l)}\n`).join('')));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

/** The whole export in memory (small exports, tests). */
export async function exportFeedback(store: Store, q: { workflow?: string; since?: string }): Promise<FeedbackLine[]> {
  const out: FeedbackLine[] = [];
  for await (const page of feedbackLines(store, q)) out.push(...page);
  return out;
}
