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

export const BRIDGE_EVENT = 'countersign:synthetic';
/** Set on <html> by the main-world bridge; attributes are shared by both worlds. */
export const BRIDGE_ATTR = 'data-countersign-bridge';

export interface SyntheticRequest {
  type: 'paste' | 'beforeinput';
  text: string;
  inputType?: string;
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
  if (!el.ownerDocument.documentElement.hasAttribute(BRIDGE_ATTR)) return dispatchSyntheticHere(el, req);
  const ask = new CustomEvent(BRIDGE_EVENT, {
    detail: JSON.stringify(req),
    bubbles: true,
    cancelable: true,
    composed: true,
  });
  el.dispatchEvent(ask);
  return ask.defaultPrevented;
}

/** Main-world side: answers bridge requests until `signal` aborts. */
export function installMainWorldBridge(doc: Document, signal?: AbortSignal): void {
  doc.addEventListener(
    BRIDGE_EVENT,
    (e) => {
      // The original target, not the shadow host it is retargeted to at the document.
      const target = e.composedPath()[0];
      if (!(target instanceof Element) || typeof (e as CustomEvent).detail !== 'string') return;
      let req: SyntheticRequest;
      try {
        req = JSON.parse((e as CustomEvent<string>).detail) as SyntheticRequest;
      } catch {
        return;
      }
      if ((req.type !== 'paste' && req.type !== 'beforeinput') || typeof req.text !== 'string') return;
      e.stopImmediatePropagation();
      if (dispatchSyntheticHere(target, req)) e.preventDefault();
    },
    { capture: true, signal },
  );
  doc.documentElement.setAttribute(BRIDGE_ATTR, '1');
  signal?.addEventListener('abort', () => doc.documentElement.removeAttribute(BRIDGE_ATTR), { once: true });
}
