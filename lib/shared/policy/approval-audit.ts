import { minReadMs } from './vigilance';

/**
 * Human approvals sampled into audit (issue 16 §4; the operator's guide: "sample approved cases,
 * especially fast approvals"). An approval faster than the text can be skimmed (`minReadMs`) is
 * sampled `FAST_APPROVAL_WEIGHT` times as often as the workflow's `approvalAuditRate` (capped at 1);
 * an approval without a dwell time counts as an ordinary one (no accusation without a measurement).
 */
export const FAST_APPROVAL_WEIGHT = 4;

export interface ApprovalAuditChance {
  rate: number;
  fast: boolean;
}

/** The chance that one approval is sampled, and whether it counted as fast. */
export function approvalAuditChance(
  baseRate: number,
  dwellMs: number | null | undefined,
  words: number,
): ApprovalAuditChance {
  const fast = dwellMs !== null && dwellMs !== undefined && dwellMs < minReadMs(words);
  const rate = baseRate <= 0 ? 0 : Math.min(1, fast ? baseRate * FAST_APPROVAL_WEIGHT : baseRate);
  return { rate, fast };
}

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;

/** The reason added to a sampled approval (shown to whoever audits it). */
export function approvalAuditReason(c: ApprovalAuditChance): string {
  return c.fast
    ? `approval sampled for audit (${pct(c.rate)} of approvals faster than the text can be skimmed)`
    : `approval sampled for audit (${pct(c.rate)} of approvals)`;
}
