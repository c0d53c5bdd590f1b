import type { Draft } from '../../shared/schema';

/** Confidence as a whole percentage, e.g. "82%" (contract: tests look for this text). */
export function percent(confidence: number): string {
  return `${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}%`;
}

export type Zone = 'high' | 'medium' | 'low';

/** A workflow's thresholds as a draft carries them (`Draft.thresholds`). */
export interface ZoneThresholds {
  autoThreshold: number;
  reviewThreshold: number;
}

/** The contract's defaults for a new workflow, for a draft that carries no thresholds (an older server). */
export const DEFAULT_THRESHOLDS: ZoneThresholds = { autoThreshold: 0.98, reviewThreshold: 0.7 };

/**
 * The confidence zone, in words and a colour, from the draft's own workflow thresholds (issue 16):
 * high at or above the auto threshold (where the workflow trusts the model to act alone), low below
 * the review threshold (a person writes the draft), medium between. `title` says where the lines are.
 */
export function zoneOf(
  confidence: number,
  thresholds: ZoneThresholds = DEFAULT_THRESHOLDS,
): { zone: Zone; label: string; title: string } {
  const { autoThreshold: auto, reviewThreshold: review } = thresholds;
  if (confidence >= auto)
    return {
      zone: 'high',
      label: 'High confidence',
      title: `At or above this workflow's auto threshold (${percent(auto)})`,
    };
  if (confidence >= review)
    return {
      zone: 'medium',
      label: 'Medium confidence',
      title: `Between this workflow's review (${percent(review)}) and auto (${percent(auto)}) thresholds`,
    };
  return {
    zone: 'low',
    label: 'Low confidence',
    title: `Below this workflow's review threshold (${percent(review)}): a person writes it`,
  };
}

export const KIND_LABEL: Record<Draft['kind'], string> = {
  email: 'Email',
  crm_update: 'CRM update',
  note: 'Note',
};

/** Who or what the draft is for, in one line. */
export function describeTarget(d: Draft): string {
  const t = d.target;
  const who = [t.name, t.email ? `<${t.email}>` : ''].filter(Boolean).join(' ');
  const record = t.recordType || t.recordId ? [t.recordType, t.recordId].filter(Boolean).join(' ') : '';
  const parts = [who, t.company ?? d.account.name, record].filter(Boolean);
  return parts.join(' · ');
}

/** "trigger expires in 2 h", "trigger expired 3 d ago", or null without an expiry. */
export function timeSensitivity(d: Draft, now = Date.now()): string | null {
  const exp = d.trigger?.expiresAt;
  if (!exp) return null;
  const ms = Date.parse(exp) - now;
  if (Number.isNaN(ms)) return null;
  const label = d.trigger?.kind ? `${d.trigger.kind}: ` : '';
  return ms >= 0 ? `${label}trigger expires in ${span(ms)}` : `${label}trigger expired ${span(-ms)} ago`;
}

/** Whether the trigger expires within a day (shown with more weight). */
export function isUrgent(d: Draft, now = Date.now()): boolean {
  const exp = d.trigger?.expiresAt;
  if (!exp) return false;
  const ms = Date.parse(exp) - now;
  return ms >= 0 && ms < 86_400_000;
}

function span(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 60) return `${Math.max(1, min)} min`;
  const h = Math.round(ms / 3_600_000);
  if (h < 48) return `${h} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/**
 * Whole US dollars, as `Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD',
 * maximumFractionDigits: 0 })` writes them ("$12,000", "-$5"). Written by hand: the first
 * Intl.NumberFormat on a page loads ICU data (bench: 14–27 ms of the 5,000-draft first paint).
 */
export function money(value: number): string {
  const whole = String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 && Math.round(Math.abs(value)) !== 0 ? '-' : ''}$${whole}`;
}

/** Two-person rule status in words, or null when the draft needs one reviewer. */
export function secondReviewStatus(d: Draft): string | null {
  if (!d.secondReview) return null;
  const n = d.approvedBy?.length ?? 0;
  if (d.status === 'awaiting_second' || n > 0) {
    return `Second review: ${n} of 2 approvals${d.approvedBy?.length ? ` (by ${d.approvedBy.join(', ')})` : ''}`;
  }
  return 'Second review required: needs 2 approvals';
}

export function modelLine(d: Draft): string | null {
  if (!d.model) return null;
  return [`${d.model.name} ${d.model.version}`, d.model.prompt ? `prompt ${d.model.prompt}` : '']
    .filter(Boolean)
    .join(' · ');
}

/** Routing reasons are machine codes or short sentences; codes are made readable. */
export function reasonText(r: string): string {
  return /^[a-z0-9_:-]+$/.test(r) ? r.replace(/[_:-]+/g, ' ') : r;
}
