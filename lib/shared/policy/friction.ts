/**
 * Friction for high-risk decisions (issue 13 item 3; contract "The extension"): which drafts a
 * person must decide one by one, and which have no one-click Approve. Pure: the panel shows it and
 * the server may enforce the same rule.
 */

/** The fields of a draft the rule reads (a pulled Draft has them all). */
export interface FrictionDraft {
  route: string;
  queue: string;
  status: string;
  secondReview: boolean;
  account: { tier?: string };
  specialty?: string;
}

export type BatchExclusion = 'named_account' | 'specialist' | 'second_review' | 'manual';

export const BATCH_EXCLUSION_TEXT: Readonly<Record<BatchExclusion, string>> = {
  named_account: 'a named account',
  specialist: 'a specialist review',
  second_review: 'a second review',
  manual: 'the manual route: write it yourself',
};

/**
 * Why the draft is never part of a batch approval, or null when it may be. Every reason that applies,
 * most specific first.
 */
export function batchExclusions(d: FrictionDraft): BatchExclusion[] {
  const out: BatchExclusion[] = [];
  if (d.route === 'manual' || d.queue === 'manual') out.push('manual');
  if (d.account.tier === 'named') out.push('named_account');
  if (d.queue.startsWith('specialist') || d.specialty !== undefined) out.push('specialist');
  if (d.secondReview || d.status === 'awaiting_second') out.push('second_review');
  return out;
}

/** A one-sentence reason for the panel, or null when the draft may be batch-approved. */
export function batchExclusionText(d: FrictionDraft): string | null {
  const why = batchExclusions(d);
  if (why.length === 0) return null;
  return `Decided on its own, not in a batch: ${why.map((w) => BATCH_EXCLUSION_TEXT[w]).join('; ')}.`;
}

/** A `manual` draft has no one-click Approve: the person writes it (Edit, then Save and approve). */
export function needsWriting(d: Pick<FrictionDraft, 'route' | 'queue'>): boolean {
  return d.route === 'manual' || d.queue === 'manual';
}
