import { sandboxView } from '../../shared/sandbox';

/**
 * The URL a site adapter should read the page's location from: on a sandbox page the real URL it
 * stands for (so `/contacts/…/record/…` and `/lightning/r/…` parse as on the real site), elsewhere the
 * page's own URL; `null` without a window.
 */
export function pageUrl(doc: Document): URL | null {
  const href = doc.defaultView?.location.href;
  if (!href) return null;
  const url = new URL(href);
  return sandboxView(url)?.url ?? url;
}
