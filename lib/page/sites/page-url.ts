import { sandboxView } from '../../shared/sandbox';
import type { SiteDescriptor } from '../../shared/sites';

/**
 * The URL a site adapter should read the page's location from: on its sandbox page the real URL it
 * stands for (so `/contacts/…/record/…` and `/lightning/r/…` parse as on the real site), elsewhere the
 * page's own URL; `null` without a window. The adapter passes its own descriptor, which says where
 * its sandbox page points.
 */
export function pageUrl(doc: Document, site: SiteDescriptor): URL | null {
  const href = doc.defaultView?.location.href;
  if (!href) return null;
  const url = new URL(href);
  return sandboxView(url, [site])?.url ?? url;
}
