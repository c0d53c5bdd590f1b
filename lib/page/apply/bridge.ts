/**
 * Main-world bridge for synthetic editing events (docs/sites.md: on Firefox, `paste`/`beforeinput` events
 * built in a content script's isolated world reach the page without their clipboardData/dataTransfer).
 * When a main-world script has called `installMainWorldBridge` (a WXT content script with
 * `world: 'MAIN'`), the insertion techniques ask it to build and dispatch those events in the page's
 * own world; otherwise they build them locally, which works on Chromium.
 *
 * The request crosses worlds as a JSON string (strings need no cloneInto on Firefox); the answer is
 * `preventDefault()` on the request event, which both worlds see. A page that fakes the bridge learns
 * only the text about to be inserted into that page, and cannot fake success: every insertion is
 * verified by reading the editor back.
 */

import { outerDocument } from './detect';

export const BRIDGE_EVENT = 'countersign:synthetic';
/** Set on <html> by the main-world bridge; attributes are shared by both worlds. */
export const BRIDGE_ATTR = 'data-countersign-bridge';
/**
 * Set for the time of one request on an editor inside a same-origin iframe (CKEditor 4, TinyMCE): the
 * bridge lives in the top frame only, and a request dispatched in the iframe's document never reaches
 * the top document. The request goes to the top document with this mark's value instead.
 */
export const BRIDGE_TARGET_ATTR = 'data-countersign-target';

export interface SyntheticRequest {
  type: 'paste' | 'beforeinput';
  text: string;
  inputType?: string;
  /** The `BRIDGE_TARGET_ATTR` value of the target when it sits in a same-origin iframe. */
  target?: string;
}

const TOKEN = /^[a-z0-9-]{8,64}$/;

/** The element marked with `token` in `doc` or its same-origin frames (a few levels deep). */
function findMarked(doc: Document, token: string, depth = 0): Element | null {
  const hit = doc.querySelector(`[${BRIDGE_TARGET_ATTR}="${token}"]`);
  if (hit || depth >= 3) return hit;
  for (const frame of doc.querySelectorAll('iframe, frame')) {
    let inner: Document | null = null;
    try {
      inner = (frame as HTMLIFrameElement).contentDocument;
    } catch {
      inner = null;
    }
    const found = inner ? findMarked(inner, token, depth + 1) : null;
    if (found) return found;
  }
  return null;
}

/** Builds the event in the current world and dispatches it; true when the editor cancelled it (handled it). */
export function dispatchSyntheticHere(el: Element, req: SyntheticRequest): boolean {
  const dt = new DataTransfer();
  dt.setData('text/plain', req.text);
  const ev =
    req.type === 'paste'
      ? new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true, composed: true })
      : new InputEvent('beforeinput', {
          inputType: req.inputType ?? 'insertReplacementText',
          data: req.text,
          dataTransfer: dt,
          bubbles: true,
          cancelable: true,
          composed: true,
        });
  el.dispatchEvent(ev);
  return ev.defaultPrevented;
}

/** Content-script side: through the main-world bridge when one is installed, else locally. */
export function dispatchSynthetic(el: Element, req: SyntheticRequest): boolean {
  const ask = (at: Element, r: SyntheticRequest) => {
    const ev = new CustomEvent(BRIDGE_EVENT, {
      detail: JSON.stringify(r),
      bubbles: true,
      cancelable: true,
      composed: true,
    });
    at.dispatchEvent(ev);
    return ev.defaultPrevented;
  };
  const doc = el.ownerDocument;
  if (doc.documentElement.hasAttribute(BRIDGE_ATTR)) return ask(el, req);
  const top = outerDocument(doc);
  if (top === doc || !top.documentElement.hasAttribute(BRIDGE_ATTR)) return dispatchSyntheticHere(el, req);
  // An editor in a same-origin iframe: marked for this one request (attributes are shared by both
  // worlds), asked of the top document's bridge, which finds it through the frames.
  const token =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
  el.setAttribute(BRIDGE_TARGET_ATTR, token);
  try {
    return ask(top.documentElement, { ...req, target: token });
  } finally {
    el.removeAttribute(BRIDGE_TARGET_ATTR);
  }
}

/** Main-world side: answers bridge requests until `signal` aborts. */
export function installMainWorldBridge(doc: Document, signal?: AbortSignal): void {
  doc.addEventListener(
    BRIDGE_EVENT,
    (e) => {
      if (typeof (e as CustomEvent).detail !== 'string') return;
      let req: SyntheticRequest;
      try {
        req = JSON.parse((e as CustomEvent<string>).detail) as SyntheticRequest;
      } catch {
        return;
      }
      if ((req.type !== 'paste' && req.type !== 'beforeinput') || typeof req.text !== 'string') return;
      // The original target, not the shadow host it is retargeted to at the document; for an editor
      // in a same-origin iframe, the element marked for this request (an iframe's nodes are not
      // `instanceof Element` of this realm, so the check is by node type).
      let target: EventTarget | null = e.composedPath()[0] ?? null;
      if (typeof req.target === 'string') {
        if (!TOKEN.test(req.target)) return;
        target = findMarked(doc, req.target);
      }
      if (!target || (target as Node).nodeType !== 1) return;
      e.stopImmediatePropagation();
      if (dispatchSyntheticHere(target as Element, { type: req.type, text: req.text, inputType: req.inputType }))
        e.preventDefault();
    },
    { capture: true, signal },
  );
  doc.documentElement.setAttribute(BRIDGE_ATTR, '1');
  signal?.addEventListener('abort', () => doc.documentElement.removeAttribute(BRIDGE_ATTR), { once: true });
}
