import type { Content, Draft } from '../../shared/schema';

/**
 * Where a site allows it, a link that opens a compose window for the draft's person with the text
 * filled in by the site itself (Gmail's `view=cm`, Outlook on the web's compose deeplink). Used by
 * the panel's "Open a compose window" when the approved text had nowhere to go.
 */
export function composeLink(draft: Draft, content: Content, origin: string): string | null {
  if (draft.kind !== 'email' || !('subject' in content)) return null;
  const to = content.to ?? draft.target.email;
  if (!to) return null;
  const site = draft.target.site;
  if (site === 'gmail' || (!site && origin === 'https://mail.google.com')) {
    const q = new URLSearchParams({ view: 'cm', fs: '1', to, su: content.subject, body: content.body });
    return `https://mail.google.com/mail/?${q}`;
  }
  if (site === 'outlook') {
    const base = /outlook\.(live|office)\.com$/.test(new URL(origin).hostname) ? origin : 'https://outlook.office.com';
    const q = new URLSearchParams({ to, subject: content.subject, body: content.body });
    return `${base}/mail/deeplink/compose?${q}`;
  }
  return null;
}
