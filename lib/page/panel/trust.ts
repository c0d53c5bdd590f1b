/**
 * Only the person's own input decides (issue 13 item 2; contract "The extension"). The panel lives
 * in an open shadow root inside Gmail, Outlook, HubSpot and Salesforce: any script of those pages
 * can reach it and dispatch clicks and keys. The browser marks what comes from the person's real
 * input `isTrusted`; everything a script dispatches (`el.click()`, `dispatchEvent`) is not.
 *
 * Beware events the browser itself fires in answer to a script: `form.requestSubmit()` and a
 * scripted click on a submit button fire a *trusted* `submit`, and a scripted click on a checkbox
 * fires trusted `input`/`change`. So the panel never acts on `submit` or `change` for anything that
 * decides; it acts on the click or key itself (`byPerson`), and cancels a scripted click on a
 * checkbox (`guardToggle`) so the box does not change.
 */

interface EventLike {
  isTrusted?: boolean;
  nativeEvent?: { isTrusted?: boolean };
}

/** True only for an event the browser made from the person's own input. */
export function byPerson(e: EventLike | null | undefined): boolean {
  if (!e) return false;
  // React's synthetic events carry the native one; Preact (the shipped renderer) passes it directly.
  const native = e.nativeEvent ?? e;
  return native.isTrusted === true || replayed.has(native);
}

/**
 * Keys the person pressed while an insertion held focus in the page's editor (lib/page/apply,
 * `holdKeystrokes`) are stopped there and handed to the panel afterwards as new events, which the
 * browser marks untrusted. This extension's own code vouches for each such event here, in the
 * content script's world: a page script shares no objects with that world, so it cannot add one.
 */
const replayed = new WeakSet<object>();

/** Marks `e` — built by the content script from a trusted key event it held — as the person's own. */
export function vouchReplayed<E extends Event>(e: E): E {
  replayed.add(e);
  return e;
}

/**
 * onClick for a checkbox or radio whose state matters. A scripted click is cancelled (the box stays
 * as it was); the person's click calls `apply` with the new state. Acting on the click rather than
 * on `change` holds for both renderers: Preact sees the browser's `change` (trusted even after a
 * scripted click), React derives its onChange from the click.
 */
export function toggledByPerson(
  e: EventLike & { preventDefault(): void; currentTarget: { checked: boolean } },
  apply: (checked: boolean) => void,
): void {
  if (!byPerson(e)) {
    e.preventDefault();
    return;
  }
  apply(e.currentTarget.checked);
}

/** For the `onChange` a controlled box must have: the click handler above did the work. */
export function ignoreChange(): void {}
