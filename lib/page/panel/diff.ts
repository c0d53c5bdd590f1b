import { lcsOps } from '../../shared/policy/diff';

/** One piece of a word diff: kept, added by the person, or removed from the AI text. */
export interface DiffPart {
  op: 'same' | 'add' | 'del';
  text: string;
}

// Cells of the LCS table above which the middle is shown as one replacement: keeps each keystroke
// in a 20,000-character body well under a frame.
const MAX_CELLS = 2_000_000;

const OPS = { ' ': 'same', '-': 'del', '+': 'add' } as const;

/**
 * Word-level diff of the person's text against the AI's, for the live view under the editor.
 * Whitespace runs are tokens too, so joining the parts of each side gives that side back exactly.
 */
export function diffWords(before: string, after: string): DiffPart[] {
  const parts: DiffPart[] = [];
  for (const [op, text] of lcsOps(tokenize(before), tokenize(after), MAX_CELLS)) {
    const last = parts[parts.length - 1];
    if (last && last.op === OPS[op]) last.text += text;
    else parts.push({ op: OPS[op], text });
  }
  return parts;
}

function tokenize(s: string): string[] {
  return s.match(/\s+|[^\s]+/g) ?? [];
}
