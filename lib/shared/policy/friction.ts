/**
 * Friction for high-risk decisions (contract v1.1; operator's guide: friction for high-risk
 * decisions): which drafts a person must decide one by one, and which have no one-click Approve.
 * Pure, so the server (which enforces it and reports it on every draft as `batchApprovable` and
 * `oneClickApprove`) and the panel (which shows it) agree.
 */

/** The fields of a draft the rule reads (a pulled Draft has them all). */
export interface FrictionDraft {
  route: string;
  /** The draft's queue now (`specialist:<x>` for a specialist's). */
  queue: string;
  status?: string;
  secondReview: boolean;
  account: { tier?: string | null };
  /** The specialty the draft needs, when routing or an escalation named one. */
  specialty?: string | null;
  /** Who approved it so far (two-person rule). */
  approvedBy?: readonly string[];
}

export type BatchExclusion = 'named_account' | 'specialist' | 'second_review' | 'manual';

export const BATCH_EXCLUSION_TEXT: Readonly<Record<BatchExclusion, string>> = {
  named_account: 'a named account',
  specialist: 'a specialist review',
  second_review: 'a second review',
  manual: 'the manual route: write it yourself',
};

/**
 * Why the draft is never part of a batch approval (empty when it may be): a draft for a named
 * account, a specialist, a second review or the manual route needs its own look. Most specific first.
 */
export function batchExclusions(d: FrictionDraft): BatchExclusion[] {
  const out: BatchExclusion[] = [];
  if (d.route === 'manual' || d.queue === 'manual') out.push('manual');
  if (d.account.tier === 'named') out.push('named_account');
  if (d.queue.startsWith('specialist') || (d.specialty !== undefined && d.specialty !== null)) out.push('specialist');
  if (d.secondReview || d.status === 'awaiting_second') out.push('second_review');
  return out;
}

/** Whether a batch approval may cover this draft. */
export const batchApprovable = (d: FrictionDraft): boolean => batchExclusions(d).length === 0;

/** A one-sentence reason for the panel, or null when the draft may be batch-approved. */
export function batchExclusionText(d: FrictionDraft): string | null {
  const why = batchExclusions(d);
  if (why.length === 0) return null;
  return `Decided on its own, not in a batch: ${why.map((w) => BATCH_EXCLUSION_TEXT[w]).join('; ')}.`;
}

/**
 * A `manual` draft has no one-click Approve until a person wrote it (Edit, then Save and approve);
 * the server refuses a plain `approve` of it without content. Once written and approved by a first
 * person, the second of a two-person review approves that text as it is.
 */
export function needsWriting(d: Pick<FrictionDraft, 'route' | 'queue' | 'approvedBy'>): boolean {
  return (d.route === 'manual' || d.queue === 'manual') && (d.approvedBy?.length ?? 0) === 0;
}

/** Whether the draft has a one-click Approve (the complement of `needsWriting`). */
export const oneClickApprove = (d: Pick<FrictionDraft, 'route' | 'queue' | 'approvedBy'>): boolean => !needsWriting(d);
