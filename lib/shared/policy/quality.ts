import type { EmailContent } from '../schema';

export interface QualityFailure {
  rule: 'first_line_length' | 'company_missing' | 'placeholder' | 'subject_empty' | 'body_cut_off';
  reason: string;
}

export const MAX_FIRST_LINE = 120;

// Unfilled template slots: {{first_name}}, {first_name}, [Company], [First Name], <FIRST_NAME>.
const PLACEHOLDER = /\{\{[^}]*\}\}|\{[a-z_]+\}|\[(?:[A-Z][A-Za-z]*)(?:[ _][A-Za-z]+)*\]|<[A-Z][A-Z_]+>/;

// A body that stops mid-sentence: trailing comma/colon/dash/open bracket, an ellipsis, or a word
// that cannot end an email (and, the, to, …).
const CUT_OFF = /([,;:(\-–—]|\.\.\.|…|\b(and|or|but|the|a|an|to|of|for|with|in|on|at|our|your|we|is|are)\b)\s*$/i;

/**
 * Automated checks an email draft must pass before it may be auto-approved (issue 2): a short first
 * line, the account's company named, no unfilled placeholders, a subject, a body that is not cut off.
 */
export function checkEmailQuality(content: EmailContent, companyName: string): QualityFailure[] {
  const failures: QualityFailure[] = [];
  const body = content.body.trim();
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.length > MAX_FIRST_LINE)
    failures.push({
      rule: 'first_line_length',
      reason: `first line is ${firstLine.length} characters (limit ${MAX_FIRST_LINE})`,
    });
  const company = companyName.trim();
  if (company && !`${content.subject}\n${content.body}`.toLowerCase().includes(company.toLowerCase()))
    failures.push({ rule: 'company_missing', reason: `the company name "${company}" does not appear` });
  const ph = PLACEHOLDER.exec(`${content.subject}\n${content.body}`);
  if (ph) failures.push({ rule: 'placeholder', reason: `unfilled placeholder ${ph[0]}` });
  if (!content.subject.trim()) failures.push({ rule: 'subject_empty', reason: 'subject is empty' });
  if (!body) failures.push({ rule: 'body_cut_off', reason: 'body is empty' });
  else if (CUT_OFF.test(body)) failures.push({ rule: 'body_cut_off', reason: 'body looks cut off' });
  return failures;
}
