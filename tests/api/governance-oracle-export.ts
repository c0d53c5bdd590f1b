// The feedback export as it was on main before it streamed (issue 16; with issue 13's receive time and
// issue 18's in-page edits): kept as the test oracle.
import type { Content, DraftIn } from '../../lib/shared/schema';
import type { FeedbackLine } from '../../lib/shared/schema/governance';
import { parseJson, stable } from '../../server/service/governance/load';
import { editedInPage, sentFor } from '../../server/service/sent';
import type { Store } from '../../server/store';

/**
 * One line per applied decision, oldest first. Canary drafts are left out: their "original" is a
 * defect planted by us, not the model's output, and would poison fine-tuning data.
 */
export async function exportFeedbackOracle(
  store: Store,
  q: { workflow?: string; since?: string },
): Promise<FeedbackLine[]> {
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
  // Windows use the server's receive time: a client clock that is wrong (or a decision that waited
  // offline) must not move a decision in or out of a window; `decidedAt` stays as information.
  if (q.since) query = query.where('decisions.received_at', '>=', q.since);
  const rows = await query.orderBy('decisions.received_at').orderBy('decisions.id').execute();
  const ids = [...new Set(rows.map((r) => r.draftId))];
  const outcomes = new Map<string, { correct: boolean; source: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const os = await store.db
      .selectFrom('outcomes')
      .select(['draft_id', 'correct', 'source'])
      .where('draft_id', 'in', chunk)
      .orderBy('id')
      .execute();
    for (const o of os) outcomes.set(o.draft_id, { correct: !!o.correct, source: o.source });
  }
  // Issue 18: what the person really sent; an approval edited in the page is a correction.
  const inPage = await editedInPage(store.db, store.dialect, ids);
  const sent = await sentFor(store.db, [...inPage.keys()]);
  const lastApproval = new Map<string, string>();
  for (const r of rows) if (r.action === 'approve' || r.action === 'edit') lastApproval.set(r.draftId, r.decisionId);
  return rows.map((r) => {
    const input = (parseJson(r.inputJson) ?? {}) as Partial<DraftIn>;
    const pageContent = lastApproval.get(r.draftId) === r.decisionId ? inPage.get(r.draftId) : undefined;
    const action = r.action as FeedbackLine['action'];
    const decided =
      (parseJson(r.contentJson) as Content | null) ?? (action === 'approve' ? (input.content ?? null) : null);
    const final = pageContent ?? decided;
    const changed = (action === 'edit' || pageContent !== undefined) && stable(final) !== stable(input.content ?? null);
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
}
