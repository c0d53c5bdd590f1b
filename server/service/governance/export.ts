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
 * drafts' outcomes, in-page edits and last approvals come in a few queries.
 */
export async function* feedbackLines(
  store: Store,
  q: { workflow?: string; since?: string },
): AsyncGenerator<FeedbackLine[]> {
  let after: { at: string; id: string } | null = null;
  for (;;) {
    let query = store.db
      .selectFrom('decisions')
      .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
      .select([
        'decisions.id as decisionId',
        'decisions.draft_id as draftId',
        'decisions.user_id as userId',
        'decisions.action as action',
        'decisions.decided_at as decidedAt',
        'decisions.received_at as receivedAt',
        'decisions.content_json as contentJson',
        'decisions.reasons_json as reasonsJson',
        'decisions.note as note',
        'decisions.dwell_ms as dwellMs',
        'decisions.diff as diff',
        'drafts.external_id as externalId',
        'drafts.workflow as workflow',
        'drafts.kind as kind',
        'drafts.input_json as inputJson',
        'drafts.confidence as confidence',
      ])
      .where('decisions.status', '=', 'applied')
      .where('drafts.canary', '=', false);
    if (q.workflow) query = query.where('drafts.workflow', '=', q.workflow);
    if (q.since) query = query.where('decisions.received_at', '>=', q.since);
    if (after) {
      const { at, id } = after;
      query = query.where((eb) =>
        eb.or([
          eb('decisions.received_at', '>', at),
          eb.and([eb('decisions.received_at', '=', at), eb('decisions.id', '>', id)]),
        ]),
      );
    }
    const rows = await query.orderBy('decisions.received_at').orderBy('decisions.id').limit(PAGE).execute();
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.receivedAt, id: last.decisionId };
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
    const inPage = await editedInPage(store.db, ids);
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
    if (rows.length < PAGE) return;
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
