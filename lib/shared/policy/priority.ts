/** What queue ordering looks at, taken from a stored draft. */
export interface PriorityItem {
  id: string;
  confidence: number;
  dealValue: number | null;
  expiresAt: string | null;
  named: boolean;
  createdAt: string;
}

/** Drafts whose trigger expires within this window count as time-sensitive. */
export const TIME_SENSITIVE_MS = 48 * 3600_000;

function timeSensitive(item: PriorityItem, now: number): number | null {
  if (!item.expiresAt) return null;
  const t = Date.parse(item.expiresAt);
  return Number.isFinite(t) && t - now <= TIME_SENSITIVE_MS ? t : null;
}

/**
 * Queue order, highest priority first, total and deterministic for a given `now`:
 * time-sensitive (expires within 48 h, soonest first) → larger deal value → named account →
 * lower confidence (the riskier draft first) → older → id.
 */
export function compareQueueItems(a: PriorityItem, b: PriorityItem, now: number): number {
  const ta = timeSensitive(a, now);
  const tb = timeSensitive(b, now);
  if (ta !== null || tb !== null) {
    if (ta === null) return 1;
    if (tb === null) return -1;
    if (ta !== tb) return ta - tb;
  }
  const da = a.dealValue ?? -1;
  const db = b.dealValue ?? -1;
  if (da !== db) return db - da;
  if (a.named !== b.named) return a.named ? -1 : 1;
  if (a.confidence !== b.confidence) return a.confidence - b.confidence;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function duration(ms: number): string {
  if (ms <= 0) return 'expired';
  const h = ms / 3600_000;
  return h < 1 ? `expires in ${Math.max(1, Math.round(ms / 60_000))} min` : `expires in ${Math.round(h)} h`;
}

/** Why an item sits where it does, e.g. "expires in 3 h · deal value 250,000 · named account · confidence 0.62". */
export function priorityReason(item: PriorityItem, now: number): string {
  const parts: string[] = [];
  const t = timeSensitive(item, now);
  if (t !== null) parts.push(duration(t - now));
  if (item.dealValue !== null) parts.push(`deal value ${item.dealValue.toLocaleString('en-US')}`);
  if (item.named) parts.push('named account');
  parts.push(`confidence ${Math.round(item.confidence * 100) / 100}`);
  return parts.join(' · ');
}

export function sortQueue<T extends PriorityItem>(items: T[], now: number): T[] {
  return [...items].sort((a, b) => compareQueueItems(a, b, now));
}
