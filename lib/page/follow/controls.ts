/**
 * Recognising a page's own Send and Save controls without site selectors: a button (or
 * role=button) whose accessible words start with "Send"/"Save" in the languages the sites ship,
 * found in the smallest container around the editors that holds one. Dated selectors first where a
 * site has a stable one; the words are the fallback that survives class-name churn.
 */

/** 2026-11: stable markers of send/save controls (Gmail, Outlook, HubSpot, Salesforce). */
export const SEND_SELECTORS = [
  '[data-test-id="email-send-button"]',
  '[data-tooltip^="Send"]',
  '[aria-label^="Send"]',
  'button[name="send"]',
];
export const SAVE_SELECTORS = [
  '[data-selenium-test="save-button"]',
  '[data-test-id="save-button"]',
  'button[name="SaveEdit"]',
  'button[name="save"]',
];

// Start of the control's words. Japanese/Chinese have no word boundary, so no \b after them.
const SEND_WORDS =
  /^(?:send(?:en)?\b|envoyer\b|enviar\b|invia\b|verzenden\b|skicka\b|wyślij\b|отправить\b|送信|发送|傳送|보내기)/i;
const SAVE_WORDS =
  /^(?:save\b|speichern\b|enregistrer\b|guardar\b|salva(?:re)?\b|opslaan\b|spara\b|zapisz\b|сохранить\b|保存|儲存|저장)/i;

export type FollowMode = 'send' | 'save';

const CONTROL = 'button, [role="button"], input[type="submit"], input[type="button"]';

/** The words a person (or a screen reader) sees on a control. */
export function controlWords(el: Element): string {
  const label = el.getAttribute('aria-label') ?? el.getAttribute('data-tooltip') ?? el.getAttribute('title');
  const own = label ?? (el as HTMLInputElement).value ?? '';
  const t = (label ?? ((el.textContent ?? '').trim() || own)).replace(/\s+/g, ' ').trim();
  return t;
}

/** Whether `el` is the page's own control for `mode`. */
export function isControl(el: Element, mode: FollowMode): boolean {
  if (!el.matches(CONTROL)) return false;
  const sels = mode === 'send' ? SEND_SELECTORS : SAVE_SELECTORS;
  if (sels.some((s) => el.matches(s))) return true;
  return (mode === 'send' ? SEND_WORDS : SAVE_WORDS).test(controlWords(el));
}

/** The control for `mode` on an event's path (the click may land on an icon inside the button). */
export function controlOnPath(path: readonly EventTarget[], mode: FollowMode, within: Element): Element | null {
  for (const t of path) {
    if (!(t instanceof Element)) continue;
    if (t === within) return null;
    if (isControl(t, mode)) return t;
  }
  return null;
}

function hasControl(root: Element, mode: FollowMode): boolean {
  for (const el of root.querySelectorAll(CONTROL)) if (isControl(el, mode)) return true;
  return false;
}

/** The deepest element containing every one of `els`. */
export function commonAncestor(els: readonly Element[]): Element | null {
  if (els.length === 0) return null;
  let a: Element | null = els[0]!;
  while (a && !els.every((e) => a!.contains(e))) a = a.parentElement;
  return a;
}

/**
 * The container the editors belong to: the smallest ancestor of all of them that holds the page's
 * Send (or Save) control, at most `maxUp` levels up. `control: false` when none was found (only the
 * keyboard shortcut and closing are followed then; site health counts it).
 */
export function followRoot(
  els: readonly Element[],
  mode: FollowMode,
  maxUp = 12,
): { root: Element; control: boolean } | null {
  const start = commonAncestor(els);
  if (!start) return null;
  let a: Element | null = start;
  for (let i = 0; a && i <= maxUp && a !== a.ownerDocument.body; i++, a = a.parentElement) {
    if (hasControl(a, mode)) return { root: a, control: true };
  }
  return { root: start.closest('[role="dialog"], form') ?? start, control: false };
}
