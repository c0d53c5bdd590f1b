import type { Content, DraftIn, Specialty } from '../schema';

/** A specialty a draft needs, and why (human-readable). */
export interface Detection {
  specialty: Specialty;
  reason: string;
}

const SPECIALTIES: readonly Specialty[] = ['pricing', 'legal', 'competitor'];

/** Plain text of any content kind, for detection and quality rules. */
export function contentText(content: Content): string {
  if ('fields' in content) return content.fields.map((f) => `${f.label ?? f.name}: ${f.value}`).join('\n');
  if ('subject' in content) return `${content.subject}\n${content.body}`;
  return content.text;
}

const PRICE_PATTERNS: Array<[RegExp, string]> = [
  [/\b\d{1,3}\s?(%|percent)\s*(off|discount)\b|\bdiscount(s|ed)?\b/i, 'mentions a discount'],
  [/[$€£¥]\s?\d|\b\d[\d,.]*\s?(usd|eur|gbp|dollars|euros)\b/i, 'mentions a price'],
  [/\b(pricing|price (list|increase|quote)|quote for|per seat|per user per month)\b/i, 'mentions pricing'],
];

const LEGAL_PATTERNS: Array<[RegExp, string]> = [
  [
    /\b(contract|msa|nda|dpa|sla|indemnif\w*|liabilit\w*|warrant(y|ies)|terms and conditions|terms of service|gdpr|hipaa|compliance|legal)\b/i,
    'mentions contract or legal terms',
  ],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Specialties a draft needs: flags set by the pipeline first, then what the content shows
 * (prices and discounts, contract/legal terms, competitor names from the policy's list).
 * One entry per specialty, in the order pricing, legal, competitor.
 */
export function detectSpecialties(
  draft: Pick<DraftIn, 'flags' | 'content'>,
  competitors: readonly string[],
): Detection[] {
  const found = new Map<Specialty, string>();
  for (const f of draft.flags ?? []) {
    const s = f.toLowerCase() as Specialty;
    if (SPECIALTIES.includes(s) && !found.has(s)) found.set(s, `flagged "${s}" by the pipeline`);
  }
  const text = contentText(draft.content);
  if (!found.has('pricing'))
    for (const [re, reason] of PRICE_PATTERNS)
      if (re.test(text)) {
        found.set('pricing', reason);
        break;
      }
  if (!found.has('legal'))
    for (const [re, reason] of LEGAL_PATTERNS)
      if (re.test(text)) {
        found.set('legal', reason);
        break;
      }
  if (!found.has('competitor'))
    for (const name of competitors) {
      if (!name.trim()) continue;
      if (new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(name.trim())}($|[^\\p{L}\\p{N}])`, 'iu').test(text)) {
        found.set('competitor', `mentions competitor ${name.trim()}`);
        break;
      }
    }
  return SPECIALTIES.filter((s) => found.has(s)).map((s) => ({ specialty: s, reason: found.get(s)! }));
}
