import type { Content } from '../schema';

/** Content as lines, so the diff reads naturally for every kind. */
export function contentLines(content: Content): string[] {
  if ('fields' in content) return content.fields.map((f) => `${f.name}: ${f.value}`);
  if ('subject' in content) return [`Subject: ${content.subject}`, '', ...content.body.split(/\r?\n/)];
  return content.text.split(/\r?\n/);
}

export type DiffOp = [' ' | '-' | '+', string];

/**
 * Longest-common-subsequence diff of two token lists: kept (' '), removed ('-'), added ('+').
 * Inputs are bounded by the schema limits (≤ 20k chars); above `maxCells` table cells the changed
 * middle is reported as all removed, all added. Shared by the server's stored diff and the panel's
 * live edit view.
 */
export function lcsOps(a: readonly string[], b: readonly string[], maxCells = 4_000_000): DiffOp[] {
  // Trim the common prefix and suffix first: edits are usually small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ma = a.slice(start, endA);
  const mb = b.slice(start, endB);
  const ops: DiffOp[] = a.slice(0, start).map((l) => [' ', l] as [' ', string]);
  if (ma.length * mb.length > maxCells) {
    // Too large for a table: fall back to "all removed, all added".
    for (const l of ma) ops.push(['-', l]);
    for (const l of mb) ops.push(['+', l]);
  } else {
    const n = ma.length;
    const m = mb.length;
    const t: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        t[i]![j] = ma[i] === mb[j] ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (ma[i] === mb[j]) {
        ops.push([' ', ma[i]!]);
        i++;
        j++;
      } else if (t[i + 1]![j]! >= t[i]![j + 1]!) ops.push(['-', ma[i++]!]);
      else ops.push(['+', mb[j++]!]);
    }
    while (i < n) ops.push(['-', ma[i++]!]);
    while (j < m) ops.push(['+', mb[j++]!]);
  }
  for (const l of a.slice(endA)) ops.push([' ', l]);
  return ops;
}

/**
 * A line diff: each line prefixed with "  " (same), "- " (removed) or "+ " (added). When both sides
 * are a single line, the diff is by words instead (`[-old-]{+new+}`) so small edits stay readable.
 * Returns "" when nothing changed.
 */
export function diffLines(before: string[], after: string[]): string {
  if (before.length === after.length && before.every((l, i) => l === after[i])) return '';
  if (before.length === 1 && after.length === 1) return diffWords(before[0]!, after[0]!);
  return lcsOps(before, after)
    .map(([op, l]) => `${op === ' ' ? ' ' : op} ${l}`)
    .join('\n');
}

export function diffWords(before: string, after: string): string {
  const ops = lcsOps(before.split(/(\s+)/), after.split(/(\s+)/));
  let out = '';
  for (const [op, w] of ops) out += op === ' ' ? w : op === '-' ? `[-${w}-]` : `{+${w}+}`;
  return out;
}

/** Diff between the AI's content and the final content, or null when they are the same. */
export function diffContent(original: Content, final: Content): string | null {
  const d = diffLines(contentLines(original), contentLines(final));
  return d === '' ? null : d;
}
