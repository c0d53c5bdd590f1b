/**
 * The link to render for an evidence URL, or null. Only absolute http(s) URLs become links
 * (issue 4 item 7): `javascript:`, `data:` and relative URLs are shown as text, never as href.
 */
export function safeHref(url: string | undefined | null): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
