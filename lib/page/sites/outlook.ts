import type { Draft } from '../../shared/schema';
import { defineSite } from '../../shared/sites';
import {
  all,
  cleanEmails,
  cleanNames,
  closest,
  draftEmails,
  emailsInText,
  first,
  isShown,
  labelIs,
  nameFromChip,
  personOf,
  SUBJECT_LABEL,
  text,
} from './dom';
import { watchContext } from './observe';
import { pageUrl } from './page-url';
import type { InsertionTarget, PageContext, SupportedSiteAdapter } from './types';

export const OUTLOOK_SITE = defineSite({
  id: 'outlook',
  name: 'Outlook',
  matches: ['https://outlook.office.com/*', 'https://outlook.office365.com/*', 'https://outlook.live.com/*'],
  sandbox: { origin: 'https://outlook.office.com', path: '/mail/inbox' },
});

/**
 * Outlook on the web selectors, newest first, dated (docs/sites.md; Briskine, Mailvelope). No localised labels.
 * Dates say when a selector was recorded here from docs/sites.md (gathered from public extensions),
 * not a check against the live site: the fixtures imitate those facts.
 */
export const OUTLOOK_SELECTORS = {
  /** 2026-11: OWA marks its pages; custom domains and pop-outs are recognised by these. */
  marker: ['meta[content*="owamail"]', 'link[href*="/owamail/"]'],
  /** 2026-11: pop-out form, docked compose, reading-pane compose. */
  composeRoot: ['[data-app-section="Form_Content"]', '#docking_InitVisiblePart_0', '[role="main"]'],
  /** 2026-11: the body is the multi-line contenteditable (Roosterjs). */
  composeBody: ['[contenteditable="true"][aria-multiline="true"]'],
  /** 2026-11: to/cc/bcc wells are the other contenteditables; chips read "Name <email>". */
  recipientWell: ['[contenteditable="true"]:not([aria-multiline="true"])'],
  /** 2026-11: chips read "Name <email>"; chips showing the name only keep the address in aria-label/title. */
  recipientChip: ['[data-lpc-hover-target-id]', '[role="button"]', '[title*="@"]', 'span'],
  /**
   * 2026-11: the subject is the compose root's text input (its label is localised); when there are
   * several, the one labelled "Subject" in one of the sites' languages (dom.ts SUBJECT_LABEL).
   */
  subject: ['input[type="text"]', 'input:not([type])'],
  /** 2026-11: the selected conversation in the message list. */
  selectedConversation: ['[aria-selected="true"][data-convid]'],
  /** 2026-11: persona names in the reading pane carry the address in `title`. */
  readingPanePeople: ['[role="main"] [title*="@"]'],
} as const;

const OUTLOOK_HOSTS = new Set(['outlook.office.com', 'outlook.office365.com', 'outlook.live.com']);

interface Compose {
  root: Element;
  body: Element;
  subject: HTMLInputElement | null;
  recipients: string[];
  names: string[];
  /** Recipient chips are there but none of them gives an address (the markup changed). */
  unreadable: boolean;
}

function composes(doc: Document): Compose[] {
  const out: Compose[] = [];
  for (const body of all(doc, OUTLOOK_SELECTORS.composeBody)) {
    if (!isShown(body)) continue;
    const root = closest(body, OUTLOOK_SELECTORS.composeRoot) ?? body.parentElement ?? body;
    const wells = all(root, OUTLOOK_SELECTORS.recipientWell).filter((w) => w !== body && !body.contains(w));
    // Each chip read as a person (address in its text or in its attributes); a well without chips by its text.
    const chips = wells.flatMap((w) => all(w, OUTLOOK_SELECTORS.recipientChip).map(personOf));
    const typed = wells.filter((w) => all(w, OUTLOOK_SELECTORS.recipientChip).length === 0).map(text);
    const people = [...chips, ...typed.map((t) => ({ email: emailsInText(t)[0], name: nameFromChip(t) }))];
    const inputs = all<HTMLInputElement>(root, OUTLOOK_SELECTORS.subject).filter(
      (i) => isShown(i) && !wells.some((w) => w.contains(i)),
    );
    const subject = inputs.find((i) => labelIs(i, SUBJECT_LABEL)) ?? inputs[0] ?? null;
    const recipients = cleanEmails(people.map((p) => p.email));
    const names = cleanNames(people.map((p) => p.name));
    // Chips with names but no address anywhere: the page changed how it shows recipients.
    const unreadable = recipients.length === 0 && chips.some((p) => p.name);
    out.push({ root, body, subject, recipients, names, unreadable });
  }
  return out;
}

function threadId(doc: Document): string | undefined {
  const sel = first(doc, OUTLOOK_SELECTORS.selectedConversation)?.getAttribute('data-convid');
  if (sel) return sel;
  // Deep links: /mail/inbox/id/<ConversationId>
  const m = /\/id\/([^/?#]+)/.exec(pageUrl(doc, OUTLOOK_SITE)?.pathname ?? '');
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

function readContext(doc: Document): PageContext {
  const open = composes(doc);
  const people = all(doc, OUTLOOK_SELECTORS.readingPanePeople).filter(isShown);
  const ctx: PageContext = {
    site: 'outlook',
    emails: cleanEmails([
      ...people.flatMap((p) => emailsInText(p.getAttribute('title') ?? '')),
      ...open.flatMap((c) => c.recipients),
    ]),
    names: cleanNames([...people.map((p) => text(p)), ...open.flatMap((c) => c.names)]),
    editable: open.length > 0,
  };
  const id = threadId(doc);
  if (id) ctx.threadId = id;
  return ctx;
}

function findTargets(doc: Document, draft: Draft): InsertionTarget[] | null {
  if (draft.kind !== 'email') return null;
  if (draft.target.site && draft.target.site !== 'outlook') return null;
  const wanted = draftEmails(draft);
  // Only a compose addressed to the draft's recipient: never a blank one, never someone else's.
  const matching = composes(doc).filter((c) => c.recipients.some((r) => wanted.includes(r)));
  if (matching.length === 0) return null;
  const active = doc.activeElement;
  const c = matching.find((m) => active && m.root.contains(active)) ?? matching[0]!;
  const who = c.recipients.find((r) => wanted.includes(r)) ?? c.recipients[0];
  const targets: InsertionTarget[] = [];
  if (c.subject) targets.push({ part: 'subject', element: c.subject, describe: `Outlook subject to ${who}` });
  targets.push({ part: 'body', element: c.body, describe: `Outlook compose to ${who}` });
  return targets;
}

export const outlook: SupportedSiteAdapter<typeof OUTLOOK_SITE> = {
  id: OUTLOOK_SITE.id,
  descriptor: OUTLOOK_SITE,
  matches(location, doc) {
    if (OUTLOOK_HOSTS.has(location.hostname)) return true;
    return location.protocol === 'https:' && first(doc, OUTLOOK_SELECTORS.marker) !== null;
  },
  readContext,
  unread: (doc) => (composes(doc).some((c) => c.unreadable) ? ['recipients'] : []),
  watch(doc, signal, onChange) {
    watchContext({ doc, signal, read: readContext, onChange, attributeFilter: ['aria-selected'] });
  },
  findTargets,
};
