import type { RankedDraft } from './ranking';

/** One row of the virtual list: a segment's batch header, or a draft card. */
export type Row =
  | { type: 'group'; segment: string; ids: string[]; key: string }
  | { type: 'draft'; item: RankedDraft; segment: string | null; key: string };

/**
 * Lays the ranked drafts out as list rows. Drafts for the page stay first and ungrouped
 * (they are decided one by one, with the page in view); the rest of the queue is grouped by
 * `segment` when a segment has at least `minGroup` drafts, the group placed where its first
 * member ranked, so similar drafts can be approved or rejected together (issue 4 item 5).
 */
export function buildRows(ranked: readonly RankedDraft[], minGroup = 2): Row[] {
  const bySegment = new Map<string, RankedDraft[]>();
  for (const r of ranked) {
    const seg = r.draft.segment;
    if (!seg || r.forContext) continue;
    let list = bySegment.get(seg);
    if (!list) {
      list = [];
      bySegment.set(seg, list);
    }
    list.push(r);
  }
  const rows: Row[] = [];
  const emitted = new Set<string>();
  for (const r of ranked) {
    const seg = r.draft.segment;
    const group = seg && !r.forContext ? bySegment.get(seg) : undefined;
    if (seg && group && group.length >= minGroup) {
      if (emitted.has(seg)) continue;
      emitted.add(seg);
      rows.push({ type: 'group', segment: seg, ids: group.map((g) => g.draft.id), key: `g:${seg}` });
      for (const g of group) rows.push({ type: 'draft', item: g, segment: seg, key: `d:${g.draft.id}` });
    } else {
      rows.push({ type: 'draft', item: r, segment: null, key: `d:${r.draft.id}` });
    }
  }
  return rows;
}

/** The drafts of a batch that an approve-all / reject-all acts on: the group minus exclusions. */
export function batchMembers(ids: readonly string[], excluded: ReadonlySet<string>): string[] {
  return ids.filter((id) => !excluded.has(id));
}

/** For each row, the index of the batch header it sits under (null outside a batch). */
export function groupHeaders(rows: readonly Row[]): (number | null)[] {
  let header: number | null = null;
  return rows.map((row, i) => {
    if (row.type === 'group') header = i;
    else if (header === null || row.segment !== (rows[header] as { segment: string }).segment) header = null;
    return header;
  });
}
