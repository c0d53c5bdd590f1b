import { safeHref } from '../../lib/page/panel/links';
import type { Evidence } from '../../lib/shared/schema';

/** The evidence the model used; every field is text, links only http(s) (issue 4 item 7). */
export function EvidenceList({ evidence }: { evidence: readonly Evidence[] }) {
  if (evidence.length === 0) return <p className="cs-reasons">No evidence given.</p>;
  return (
    <ul className="cs-evidence" aria-label="Evidence">
      {evidence.map((ev, i) => {
        const href = safeHref(ev.url);
        const source = ev.source || (href ? hostOf(href) : '');
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: evidence items have no id and never reorder
          <li key={i}>
            <span className="cs-ev-label">{ev.label}</span>
            {ev.snippet ? <span className="cs-snippet">{ev.snippet}</span> : null}
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {source ? `Source: ${source}` : 'Source'}
              </a>
            ) : source || ev.url ? (
              <span className="cs-source">Source: {source || ev.url}</span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function hostOf(href: string): string {
  try {
    return new URL(href).host;
  } catch {
    return '';
  }
}
