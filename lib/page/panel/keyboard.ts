/** What a single key does in the panel (issue 4 item 5). */
export type PanelCommand = 'next' | 'prev' | 'approve' | 'edit' | 'reject' | 'escalate' | 'undo' | 'help' | 'close';

export const KEY_MAP: Readonly<Record<string, PanelCommand>> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'prev',
  ArrowUp: 'prev',
  a: 'approve',
  e: 'edit',
  r: 'reject',
  x: 'escalate',
  u: 'undo',
  '?': 'help',
  Escape: 'close',
};

/** Shown in the help dialog, in this order. */
export const KEY_HELP: ReadonlyArray<[keys: string, what: string]> = [
  ['j / ↓', 'Next draft'],
  ['k / ↑', 'Previous draft'],
  ['a', 'Approve'],
  ['e', 'Edit'],
  ['r', 'Reject'],
  ['x', 'Escalate'],
  ['u', 'Undo the last decision'],
  ['?', 'Show or hide this help'],
  ['Esc', 'Close a form or this help'],
];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** The element the key was pressed in. */
  target?: EventTarget | null;
}

/**
 * The command for a key press, or null when the key is not ours: modified keys (Ctrl+C etc.),
 * and anything typed into a text field, a checkbox or a button's own keys — except Escape, which
 * always closes the open form.
 */
export function commandFor(e: KeyLike): PanelCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const cmd = KEY_MAP[e.key] ?? null;
  if (!cmd) return null;
  if (cmd === 'close') return cmd;
  if (isTypingTarget(e.target)) return null;
  return cmd;
}

function isTypingTarget(t: EventTarget | null | undefined): boolean {
  if (!t || typeof (t as Element).tagName !== 'string') return false;
  const el = t as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag === 'input') {
    const type = (el as HTMLInputElement).type;
    // Arrow keys and letters in a checkbox/radio list are harmless to take over; text fields are not.
    return type !== 'checkbox' && type !== 'radio' && type !== 'button' && type !== 'submit';
  }
  return el.isContentEditable === true;
}
