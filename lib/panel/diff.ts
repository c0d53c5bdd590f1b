/** One piece of a word diff: kept, added by the person, or removed from the AI text. */
export interface DiffPart {
  op: 'same' | 'add' | 'del';
  text: string;
}

// Cells of the LCS table above which the middle is shown as one replacement: keeps each keystroke
// in a 20,000-character body well under a frame.
const MAX_CELLS = 2_000_000;

/**
 * Word-level diff of the person's text against the AI's, for the live view under the editor.
 * Whitespace runs are tokens too, so joining the parts of each side gives that side back exactly.
 */
export function diffWords(before: string, after: string): DiffPart[] {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const parts: DiffPart[] = [];
  push(parts, 'same', a.slice(0, start).join(''));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    push(parts, 'del', midA.join(''));
    push(parts, 'add', midB.join(''));
  } else {
    for (const p of lcsDiff(midA, midB)) push(parts, p.op, p.text);
  }
  push(parts, 'same', a.slice(endA).join(''));
  return parts;
}

/** True when the texts differ in more than whitespace at the ends. */
export function isChanged(before: string, after: string): boolean {
  return before.trim() !== after.trim();
}

function tokenize(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}

function lcsDiff(a: string[], b: string[]): DiffPart[] {
  const n = a.length;
  const m = b.length;
  // dp[i][j] = LCS length of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const dp = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i * w + j] = a[i] === b[j] ? dp[(i + 1) * w + j + 1]! + 1 : Math.max(dp[(i + 1) * w + j]!, dp[i * w + j + 1]!);
    }
  }
  const out: DiffPart[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      push(out, 'same', a[i]!);
      i++;
      j++;
    } else if (dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!) {
      push(out, 'del', a[i++]!);
    } else {
      push(out, 'add', b[j++]!);
    }
  }
  while (i < n) push(out, 'del', a[i++]!);
  while (j < m) push(out, 'add', b[j++]!);
  return out;
}

function push(parts: DiffPart[], op: DiffPart['op'], text: string): void {
  if (!text) return;
  const last = parts[parts.length - 1];
  if (last && last.op === op) last.text += text;
  else parts.push({ op, text });
}
