import type { DraftIn, Route, RoutingResult, Specialty, WorkflowPolicy } from '../schema';
import { detectSpecialties } from './detect';
import { checkEmailQuality } from './quality';

export type RoutingPolicy = Pick<
  WorkflowPolicy,
  'level' | 'autoThreshold' | 'reviewThreshold' | 'auditSampleRate' | 'secondReviewDealValue' | 'competitors'
>;

export interface RoutingContext {
  /** Confidences of the segment's most recent earlier drafts in this workflow, newest first. */
  segmentHistory?: readonly number[];
  /** Uniform [0, 1) source for audit sampling; injectable so tests are deterministic. */
  random: () => number;
}

/** "Repeated failures": at least this many of the segment's last `WINDOW` drafts below the review threshold. */
export const REPEATED_FAILURES = { window: 5, min: 3 } as const;

/** When a draft needs several specialists, the riskiest one reviews it. */
export const SPECIALTY_PRECEDENCE: readonly Specialty[] = ['legal', 'pricing', 'competitor'];

const fmt = (n: number) => String(Math.round(n * 1000) / 1000);
const money = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

/**
 * Routes one draft: where it goes (auto / review / manual), to which queue and person, and why.
 * Pure: the only outside inputs are the segment's history and the random source.
 *
 * Order of rules (issue 2): confidence zone → workflow level → escalations (which beat confidence)
 * → repeated failures → two-person rule → email quality rules → audit sampling of what stays auto.
 */
export function routeDraft(draft: DraftIn, policy: RoutingPolicy, ctx: RoutingContext): RoutingResult {
  const reasons: string[] = [];
  const c = draft.confidence;
  const { autoThreshold: auto, reviewThreshold: review } = policy;

  // 1. Confidence zone.
  const zone: Route = c >= auto ? 'auto' : c < review ? 'manual' : 'review';
  if (zone === 'auto') reasons.push(`confidence ${fmt(c)} is at or above ${fmt(auto)}`);
  else if (zone === 'review') reasons.push(`confidence ${fmt(c)} is below ${fmt(auto)}`);
  else reasons.push(`confidence ${fmt(c)} is below the review threshold ${fmt(review)}: a person writes it`);

  // 2. Workflow level: how much may go without a person.
  let canAuto = false;
  let auditAll = false;
  switch (policy.level) {
    case 'review_all':
      if (zone !== 'manual') reasons.push('workflow level review_all: every draft is reviewed');
      break;
    case 'review_exceptions':
      canAuto = zone === 'auto';
      break;
    case 'audit':
      canAuto = zone !== 'manual';
      // Middle-zone drafts go out without review but are all checked afterwards.
      auditAll = zone === 'review';
      if (auditAll) reasons.push('workflow level audit: sent without review, checked afterwards');
      break;
    case 'autonomous':
      canAuto = zone !== 'manual';
      if (zone === 'review') reasons.push('workflow level autonomous: sent without review');
      break;
  }

  // 3. Escalations beat confidence.
  let queue: string = zone === 'manual' ? 'manual' : 'review';
  let assignee: string | null = null;
  let specialty: Specialty | undefined;
  let escalated = false;
  const detections = detectSpecialties(draft, policy.competitors);
  for (const d of detections) reasons.push(d.reason);
  if (detections.length) {
    specialty = SPECIALTY_PRECEDENCE.find((s) => detections.some((d) => d.specialty === s))!;
    queue = `specialist:${specialty}`;
    reasons.push(`${specialty} specialist review`);
    escalated = true;
  }
  const named = draft.account.tier === 'named';
  if (named) {
    escalated = true;
    if (draft.account.ownerId) {
      if (!specialty) {
        queue = 'owner';
        assignee = draft.account.ownerId;
      }
      reasons.push('named account: owner review');
    } else reasons.push('named account without an owner: a reviewer decides');
  }
  if (draft.inbound) {
    escalated = true;
    reasons.push('inbound: answers the prospect, so a person reviews it');
  }
  if (escalated) canAuto = false;

  // 4. A segment that keeps failing is flagged to the workflow's admin.
  if (draft.segment && c < review) {
    const recent = [c, ...(ctx.segmentHistory ?? [])].slice(0, REPEATED_FAILURES.window);
    const below = recent.filter((x) => x < review).length;
    if (below >= REPEATED_FAILURES.min) {
      reasons.push(
        `repeated failures: ${below} of the last ${recent.length} drafts in segment "${draft.segment}" are below ${fmt(review)}`,
      );
      if (!specialty && !assignee) queue = 'admin';
      canAuto = false;
    }
  }

  // 5. Two-person rule.
  const dealValue = draft.account.dealValue;
  const secondReview = named && dealValue !== undefined && dealValue > policy.secondReviewDealValue;
  if (secondReview) {
    reasons.push(
      `named account with deal value ${money(dealValue!)} above ${money(policy.secondReviewDealValue)}: two approvals needed`,
    );
    canAuto = false;
  }

  // 6. Quality rules on emails, before any auto-approval. Reported for reviewers either way.
  if (draft.kind === 'email') {
    const failures = checkEmailQuality(draft.content, draft.account.name);
    for (const f of failures) reasons.push(`quality: ${f.reason}`);
    if (failures.length && canAuto) {
      canAuto = false;
      reasons.push('quality checks failed: a person reviews it');
    }
  }

  if (!canAuto) {
    return {
      route: zone === 'manual' ? 'manual' : 'review',
      status: 'pending',
      assignee,
      queue,
      reasons,
      secondReview,
      ...(specialty ? { specialty } : {}),
    };
  }

  // 7. Auto-approved; some of it is sampled for audit (random is drawn only here).
  const sampled = auditAll || ctx.random() < policy.auditSampleRate;
  if (sampled && !auditAll)
    reasons.push(`sampled for audit (${fmt(policy.auditSampleRate * 100)}% of auto-approved drafts)`);
  reasons.push('auto-approved');
  return {
    route: 'auto',
    status: 'auto_approved',
    assignee: null,
    queue: sampled ? 'audit' : 'auto',
    reasons,
    secondReview: false,
    audit: sampled,
  };
}
