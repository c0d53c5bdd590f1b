import { z } from 'zod';

/** A workflow's name as it appears in a path (`/v1/workflows/{workflow}`). */
export const WorkflowName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits and . _ - only');

export const Level = z.enum(['review_all', 'review_exceptions', 'audit', 'autonomous']);
export type Level = z.infer<typeof Level>;

export const Rate = z.number().min(0).max(1);

export const WorkflowPolicy = z.object({
  workflow: z.string(),
  level: Level,
  autoThreshold: Rate,
  reviewThreshold: Rate,
  auditSampleRate: Rate,
  canaryRate: Rate,
  /** Added: named accounts whose deal value is above this need two approvals. */
  secondReviewDealValue: z.number().min(0),
  /** Added: competitor names detected in draft content. */
  competitors: z.array(z.string().min(1).max(100)).max(200),
  /** Added: target false-auto-approval rate for recommendations and auto-adjustment. */
  falseAutoTarget: Rate,
  /** Added: let the server adjust thresholds on evidence (every change audited). */
  autoAdjust: z.boolean(),
  /** Added (issue 16): audited auto-approvals the rolling window needs before an observed rate above target tightens. */
  minAuditedToTighten: z.number().int().min(1).max(1_000_000),
  /**
   * Added (issue 16 §4): share of people's approvals (review and manual queues) sampled into the
   * audit queue; approvals faster than skimming are sampled 4× as often (policy/approval-audit.ts).
   */
  approvalAuditRate: Rate,
  updatedAt: z.string().nullable(),
});
export type WorkflowPolicy = z.infer<typeof WorkflowPolicy>;

/**
 * The vigilance settings of a policy: only admins read them (contract v1.1, "Who may see the
 * vigilance settings"); a reviewer must not learn whether test drafts are planted in their queue.
 * A new vigilance setting goes in this list.
 */
export const VIGILANCE_SETTINGS = ['canaryRate'] as const satisfies readonly (keyof WorkflowPolicy)[];

/** `GET /v1/workflows/{workflow}`: the policy; for anyone but an admin without the vigilance settings. */
export const WorkflowPolicyView = WorkflowPolicy.partial({ canaryRate: true });
export type WorkflowPolicyView = z.infer<typeof WorkflowPolicyView>;

/** The policy as `viewer` may read it: admins all of it, everyone else without `VIGILANCE_SETTINGS`. */
export function policyFor(viewerRole: string, policy: WorkflowPolicy): WorkflowPolicyView {
  if (viewerRole === 'admin') return policy;
  const view: Partial<WorkflowPolicy> = { ...policy };
  for (const k of VIGILANCE_SETTINGS) delete view[k];
  return view as WorkflowPolicyView;
}

export const DEFAULT_POLICY: Omit<WorkflowPolicy, 'workflow' | 'updatedAt'> = {
  level: 'review_all',
  autoThreshold: 0.98,
  reviewThreshold: 0.7,
  auditSampleRate: 0.05,
  canaryRate: 0,
  secondReviewDealValue: 100_000,
  competitors: [],
  falseAutoTarget: 0.02,
  autoAdjust: false,
  minAuditedToTighten: 200,
  approvalAuditRate: 0,
};

export const WorkflowPolicyPatch = z.strictObject({
  level: Level.optional(),
  autoThreshold: Rate.optional(),
  reviewThreshold: Rate.optional(),
  auditSampleRate: Rate.optional(),
  canaryRate: Rate.optional(),
  secondReviewDealValue: z.number().min(0).max(1e12).optional(),
  competitors: z.array(z.string().min(1).max(100)).max(200).optional(),
  falseAutoTarget: Rate.optional(),
  autoAdjust: z.boolean().optional(),
  minAuditedToTighten: z.number().int().min(1).max(1_000_000).optional(),
  approvalAuditRate: Rate.optional(),
  /** Moving the level more than one step needs a written reason (audited). */
  levelSkipReason: z.string().trim().min(10).max(1000).optional(),
});
export type WorkflowPolicyPatch = z.infer<typeof WorkflowPolicyPatch>;
