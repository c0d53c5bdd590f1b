/**
 * High-risk friction (contract v1.1; operator's guide: friction for high-risk decisions). Pure, so
 * the server (which enforces it and reports it on every draft) and the panel (which shows it) agree.
 */

export interface FrictionInput {
  route: string;
  secondReview: boolean;
  /** The account's tier (`named` accounts are their owner's). */
  accountTier?: string | null;
  /** The draft's queue now (`specialist:<x>` for a specialist's). */
  queue: string;
  /** The specialty the draft needs, when routing or an escalation named one. */
  specialty?: string | null;
  /** Who approved it so far (two-person rule). */
  approvedBy?: readonly string[];
}

/**
 * Whether a batch approval may cover this draft: never a draft for a named account, a specialist,
 * a second review, or the manual route; each of those needs its own look.
 */
export function batchApprovable(d: FrictionInput): boolean {
  return (
    d.route !== 'manual' &&
    !d.secondReview &&
    d.accountTier !== 'named' &&
    !d.specialty &&
    !d.queue.startsWith('specialist:')
  );
}

/**
 * Whether the draft has a one-click Approve. A draft routed `manual` has none until a person wrote
 * it (Edit, then Save and approve); the server refuses a plain `approve` of it without content.
 */
export function oneClickApprove(d: Pick<FrictionInput, 'route' | 'approvedBy'>): boolean {
  return d.route !== 'manual' || (d.approvedBy?.length ?? 0) > 0;
}
