import type { Draft } from '../../shared/schema';
import { defineSite } from '../../shared/sites';
import {
  all,
  byLabel,
  cleanEmails,
  cleanNames,
  closest,
  draftEmails,
  emailsInText,
  first,
  isShown,
  personOf,
  SUBJECT_LABEL,
  text,
} from './dom';
import { watchContext } from './observe';
import type { InsertionTarget, PageContext, SupportedSiteAdapter } from './types';

export const GMAIL_SITE = defineSite({
  id: 'gmail',
  name: 'Gmail',
  matches: ['https://mail.google.com/*'],
  sandbox: { origin: 'https://mail.google.com', path: '/mail/u/0/#inbox' },
});

/**
 * Gmail selectors as named data, newest first, each dated.
 * Dates say when a selector was recorded here from docs/sites.md (gathered from public extensions),
 * not a check against the live site: the fixtures imitate those facts.
 * (docs/sites.md; InboxSDK, gmail.js, Mailvelope). Never the localised `aria-label`.
 */
export const GMAIL_SELECTORS = {
  /** 2026-11 (gmail.js, InboxSDK): the open thread's subject heading carries the ids. */
  threadHeading: ['h2.hP[data-thread-perm-id]', 'h2.hP[data-legacy-thread-id]'],
  /** 2026-11: one element per message in the open thread. */
  message: ['div.adn[data-message-id]', 'div[data-message-id]'],
  /** 2026-11: sender `td.gF span[email]`/`.gD`, recipients `.hb span[email]`; any `span[email]` as fallback. */
  messagePeople: ['td.gF span[email]', '.gD[email]', '.hb span[email]', 'span[email]'],
  /** 2026-11: compose body (moles, inline replies, pop-out); last the older class-only form `div.Am.Al.editable`. */
  composeBody: [
    '.Ap [g_editable="true"][contenteditable="true"][role="textbox"]',
    '[g_editable="true"][contenteditable="true"][role="textbox"]',
    'div.Am.Al.editable[contenteditable="true"]',
    // By role, when the newer editor has none of the above (fixture variant `new-editor`).
    '[role="dialog"] [contenteditable="true"][role="textbox"][aria-multiline="true"]',
    '.M9 [contenteditable="true"][role="textbox"][aria-multiline="true"]',
  ],
  /** 2026-11: a compose mole is a dialog holding a form; `.M9` also roots composes; inline replies sit in a form. */
  composeRoot: ['[role="dialog"]', '.M9', 'form'],
  /** 2026-11: recipient chips with `data-hovercard-id` (the address) and `data-name`; `span[email]` chips; legacy textarea. */
  recipientChips: [
    'div[name="to"] [data-hovercard-id]',
    'div[name="cc"] [data-hovercard-id]',
    'div[name="bcc"] [data-hovercard-id]',
    'span[email]',
    // Chips that show the name only, the address in aria-label/title (fixture variant `hovercard-less`).
    '[name="to"] [role="option"]',
    '[name="cc"] [role="option"]',
    '[name="bcc"] [role="option"]',
    '[name="to"] [title*="@"]',
    '[name="cc"] [title*="@"]',
  ],
  recipientFields: ['textarea[name="to"]', 'textarea[name="cc"]', 'input[name="to"]'],
  /**
   * 2026-11: subject; hidden on replies, where setting it would break threading. Last resort: a text
   * input in the compose labelled "Subject" in one of the sites' languages (dom.ts SUBJECT_LABEL).
   */
  subject: ['input[name="subjectbox"]'],
  textInputs: ['input[type="text"]', 'input:not([type])'],
} as const;

const GMAIL_HOSTS = new Set(['mail.google.com']);

/** The person's own address, from "Inbox (3) - me@x.com - Gmail" (docs/sites.md). */
export function ownAddress(doc: Document): string | undefined {
  return emailsInText(doc.title).at(-1);
}

interface Compose {
  root: Element;
  body: Element;
  recipients: string[];
  names: string[];
  /** Recipient chips are there but none of them gives an address (the markup changed). */
  unreadable: boolean;
  /** The thread an inline reply belongs to (dialogs and pop-outs: unknown). */
  threadId?: string;
  inline: boolean;
}

function threadHeading(doc: Document): Element | null {
  return all(doc, GMAIL_SELECTORS.threadHeading).find(isShown) ?? null;
}

function threadIdOf(h: Element | null): string | undefined {
  return h?.getAttribute('data-thread-perm-id') ?? h?.getAttribute('data-legacy-thread-id') ?? undefined;
}

function composes(doc: Document): Compose[] {
  const heading = threadHeading(doc);
  const out: Compose[] = [];
  const seen = new Set<Element>();
  for (const body of all(doc, GMAIL_SELECTORS.composeBody)) {
    if (seen.has(body) || !isShown(body)) continue;
    seen.add(body);
    const root = closest(body, GMAIL_SELECTORS.composeRoot) ?? body.parentElement ?? body;
    const chips = all(root, GMAIL_SELECTORS.recipientChips).filter((c) => !body.contains(c));
    const people = chips.map(personOf);
    const fields = all<HTMLTextAreaElement | HTMLInputElement>(root, GMAIL_SELECTORS.recipientFields);
    const recipients = cleanEmails([...people.map((p) => p.email), ...fields.flatMap((f) => emailsInText(f.value))]);
    const names = cleanNames(people.map((p) => p.name));
    // An inline reply lives in the thread view, not in a dialog: it belongs to the open thread.
    const inline = !body.closest('[role="dialog"]') && !!heading;
    out.push({
      root,
      body,
      recipients,
      names,
      unreadable: recipients.length === 0 && names.length > 0,
      inline,
      threadId: inline ? threadIdOf(heading) : undefined,
    });
  }
  return out;
}

function readContext(doc: Document): PageContext {
  const me = ownAddress(doc);
  const exclude = me ? [me] : [];
  const heading = threadHeading(doc);
  const threadId = threadIdOf(heading);
  // Messages of the visible thread only (another view may linger hidden in the DOM).
  const scope = heading?.closest('[role="main"]') ?? doc;
  // Other people only: the person's own messages and chips carry their address (from the title).
  const mine = (el: Element) =>
    exclude.includes((el.getAttribute('email') ?? el.getAttribute('data-hovercard-id') ?? '').toLowerCase());
  const people = heading
    ? all(scope, GMAIL_SELECTORS.message)
        .flatMap((m) => all(m, GMAIL_SELECTORS.messagePeople))
        .filter((p) => !mine(p))
    : [];
  const open = composes(doc);
  const emails = cleanEmails(
    [...people.map((p) => p.getAttribute('email')), ...open.flatMap((c) => c.recipients)],
    exclude,
  );
  const names = cleanNames([...people.map((p) => p.getAttribute('name') ?? text(p)), ...open.flatMap((c) => c.names)]);
  const ctx: PageContext = { site: 'gmail', emails, names, editable: open.length > 0 };
  if (threadId) ctx.threadId = threadId;
  return ctx;
}

/**
 * A compose window is for a draft when one of its recipients is the draft's addressee; a reply with
 * no chips yet counts only when it is in the draft's own thread. Anything else is someone else's.
 */
function composeFor(c: Compose, draft: Draft): boolean {
  const wanted = draftEmails(draft);
  const threadOk = !draft.target.threadId || !c.threadId || draft.target.threadId === c.threadId;
  if (!threadOk) return false;
  if (c.recipients.length > 0) return wanted.some((e) => c.recipients.includes(e));
  return c.inline && !!draft.target.threadId && draft.target.threadId === c.threadId;
}

function findTargets(doc: Document, draft: Draft): InsertionTarget[] | null {
  if (draft.kind !== 'email') return null;
  if (draft.target.site && draft.target.site !== 'gmail') return null;
  const matching = composes(doc).filter((c) => composeFor(c, draft));
  if (matching.length === 0) return null;
  // Several composes to the same person: the one the person was last in, else the first.
  const active = doc.activeElement;
  const c = matching.find((m) => active && m.root.contains(active)) ?? matching[0]!;
  const who = c.recipients[0] ?? `thread ${c.threadId}`;
  const targets: InsertionTarget[] = [];
  const subject = first(c.root, GMAIL_SELECTORS.subject) ?? byLabel(c.root, GMAIL_SELECTORS.textInputs, SUBJECT_LABEL);
  if (subject && isShown(subject))
    targets.push({ part: 'subject', element: subject, describe: `Gmail subject to ${who}` });
  targets.push({ part: 'body', element: c.body, describe: `Gmail compose to ${who}` });
  return targets;
}

export const gmail: SupportedSiteAdapter<typeof GMAIL_SITE> = {
  id: GMAIL_SITE.id,
  descriptor: GMAIL_SITE,
  matches: (location) => GMAIL_HOSTS.has(location.hostname),
  readContext,
  unread: (doc) => (composes(doc).some((c) => c.unreadable) ? ['recipients'] : []),
  watch(doc, signal, onChange) {
    // Thread switches keep the URL unreliable and compose moles open without navigation: the DOM is the signal.
    watchContext({ doc, signal, read: readContext, onChange });
  },
  findTargets,
};
