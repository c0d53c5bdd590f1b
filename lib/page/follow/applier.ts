import type { Content, Decision, Draft, HealthPart, NotReachedReason, PageEnd, PageReport } from '../../shared/schema';
import { siteName } from '../../shared/sites';
import { applyDraft, type SelectionMemory, textForPart } from '../apply';
import { missingParts } from '../health';
import { destination } from '../panel/place';
import type { ApplyOutcome } from '../panel/types';
import { SITES } from '../sites';
import type { InsertionTarget, SiteAdapter } from '../sites/types';
import { composeLink } from './compose-link';
import { followEditors } from './follow';
import { type FollowedPart, heldText, readContent } from './read';
import { revertParts } from './revert';

export interface FollowingApplierDeps {
  memory?: SelectionMemory;
  /** Into the worker's page-report outbox (`reportPage`). */
  report?: (r: PageReport) => void;
  /** A part of the page the adapter expected and did not find (site health). */
  missing?: (part: HealthPart) => void;
  /** Opens a URL (a site's own compose link) in a new tab. */
  open?: (url: string) => void;
}

const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Dice coefficient of the two texts' word multisets: 1 = the same words, 0 = nothing in common. */
export function similarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (wa.length === 0 || wb.length === 0) return 0;
  const count = new Map<string, number>();
  for (const w of wa) count.set(w, (count.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of wb) {
    const n = count.get(w) ?? 0;
    if (n > 0) {
      common++;
      count.set(w, n - 1);
    }
  }
  return (2 * common) / (wa.length + wb.length);
}

/** The page already holds a version of the draft's text when at least this share of words agree. */
export const SAME_TEXT = 0.5;

/** Who the draft is for, as a person reads it. */
function whoFor(draft: Draft): string {
  return draft.target.name ?? draft.target.email ?? draft.target.company ?? draft.account.name;
}

/** Why the text did not land, as the card says it (issue 18 item 2). */
export function notReachedMessage(draft: Draft, reason: NotReachedReason, detail?: string): string {
  const who = whoFor(draft);
  const site = draft.target.site ? siteName(SITES, draft.target.site) : '';
  if (draft.kind === 'email') {
    if (reason === 'no_target') return `No compose window to ${who} is open: open one, or copy the text.`;
    if (reason === 'other_person')
      return `The compose window open here is not addressed to ${who}: open one to ${who}, or copy the text.`;
    return `The compose window to ${who} did not take the text${detail ? ` (${detail})` : ''}: copy it and paste it there.`;
  }
  const record = `${site ? `${site} ` : ''}${draft.target.recordType ? `${draft.target.recordType} ` : ''}record of ${who}`;
  if (reason === 'no_target') return `The ${record} is not open here: open it, or copy the text.`;
  if (reason === 'other_person') return `The record open here is not the ${record}: open that one, or copy the text.`;
  return `The ${record} did not take the text${detail ? ` (${detail})` : ''}: copy it and paste it into the fields.`;
}

/** A part of an approved draft that did not go into the page while the rest did. */
export interface LostPart {
  part: InsertionTarget['part'];
  /** As the person reads it: "subject", "Phone number". */
  label: string;
  /** The text that did not land (offered for Copy). */
  text: string;
  /** Why: the page has no place for it, or its editor refused the text. */
  why: 'not_found' | 'refused';
}

const partKey = (p: InsertionTarget['part']) => (typeof p === 'object' ? `field:${p.field}` : p);

/**
 * The parts of the draft that will not (or did not) land although others do: a subject the adapter
 * found no input for (a new message: replies keep the thread's subject), CRM fields that are not on
 * the page, and parts whose editor refused the text (`failed`).
 */
export function lostParts(
  draft: Draft,
  targets: readonly InsertionTarget[],
  failed: readonly InsertionTarget['part'][] = [],
): LostPart[] {
  const have = new Set(targets.map((t) => partKey(t.part)));
  const refused = new Set(failed.map(partKey));
  const out: LostPart[] = [];
  const check = (part: InsertionTarget['part'], label: string, text: string | undefined, optional = false) => {
    if (!text) return;
    if (refused.has(partKey(part))) out.push({ part, label, text, why: 'refused' });
    else if (!have.has(partKey(part)) && !optional) out.push({ part, label, text, why: 'not_found' });
  };
  if (draft.kind === 'email') {
    check('subject', 'subject', draft.content.subject, !!draft.target.threadId);
    check('body', 'text', draft.content.body);
  } else if (draft.kind === 'crm_update') {
    for (const f of draft.content.fields) check({ field: f.name }, f.label ?? f.name, f.value);
  } else {
    for (const t of targets) if (refused.has(partKey(t.part))) check(t.part, 'text', textForPart(draft, t.part));
  }
  return out;
}

/** What the card says when only part of a draft went in: which part, why, and to copy it. */
export function partialMessage(where: string, lost: readonly LostPart[]): string {
  const names = lost.map((l) => l.label);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const what = lost.length === 1 && lost[0]!.label === 'subject' ? 'The subject' : list;
  const why = lost.every((l) => l.why === 'not_found')
    ? lost.length === 1
      ? ' (no place for it on this page)'
      : ' (no place for them on this page)'
    : ' (the page did not take it)';
  const it = lost.length === 1 ? 'it' : 'them';
  return `${what} did not go into ${where}${why}; the rest did. Copy ${it} and paste ${it} there.`;
}

/** The Copy text for the parts that did not land. */
export function lostCopy(lost: readonly LostPart[]): string {
  if (lost.length === 1) return lost[0]!.text;
  return lost.map((l) => `${l.label}: ${l.text}`).join('\n');
}

/** Why nothing went in when the adapter saw the part but could not read it (site health counts it too). */
export function unreadMessage(draft: Draft, part: HealthPart): string {
  const site = draft.target.site ? siteName(SITES, draft.target.site) : 'The site';
  const who = whoFor(draft);
  if (part === 'recipients')
    return `Countersign cannot tell who the compose window open here is addressed to: its recipients show no address (${site} may have changed its page). If it is to ${who}, copy the text and paste it there.`;
  if (part === 'compose')
    return `A compose window is open, but Countersign does not recognise it (${site} may have changed its page): copy the text and paste it there.`;
  return `Countersign cannot read this page's ${part} (${site} may have changed its page): copy the text and paste it there.`;
}

/**
 * The panel's `onApply` (issue 18): puts approved content into the page like lib/page/panel's
 * pageApplier, and then
 * - reports whether the text reached the page (a placement report: the decision records it),
 * - says in words why not, offers Copy and, where the site allows, a compose window for the person,
 * - picks up a version of the draft the person already wrote into the page (an edit in the page:
 *   nothing is inserted twice, the placement carries the page's content),
 * - follows the editors until send/save/discard/leave and reports what they held then, once.
 */
export function followingApplier(doc: Document, adapter: SiteAdapter, deps: FollowingApplierDeps = {}) {
  return async (draft: Draft, content: Content, decision?: Decision): Promise<ApplyOutcome> => {
    const final = { ...draft, content } as Draft;
    const at = () => new Date().toISOString();
    const placement = (reached: boolean, extra: { reason?: NotReachedReason; pageContent?: Content } = {}) => {
      if (decision)
        deps.report?.({
          kind: 'placement',
          id: crypto.randomUUID(),
          draftId: draft.id,
          decisionId: decision.id,
          reached,
          at: at(),
          ...extra,
        });
    };
    const notReached = (reason: NotReachedReason, detail?: string, message?: string): ApplyOutcome => {
      placement(false, { reason });
      const link = reason !== 'refused' ? composeLink(final, content, doc.location?.origin ?? '') : null;
      return {
        placed: false,
        where: destination(final),
        message: message ?? notReachedMessage(final, reason, detail),
        ...(link && deps.open ? { openCompose: () => deps.open!(link) } : {}),
      };
    };

    const targets = adapter.findTargets(doc, final);
    if (!targets || targets.length === 0) {
      const ctx = adapter.readContext(doc);
      const reason = ctx.editable ? 'other_person' : 'no_target';
      // A compose the adapter sees but cannot read (or does not recognise): say that, not "not open".
      const unread = [
        ...(adapter.unread?.(doc) ?? []),
        ...missingParts(doc, adapter.id, ctx).filter((p) => p === 'compose'),
      ];
      for (const p of unread) deps.missing?.(p);
      if (unread[0] && final.kind === 'email') return notReached(reason, undefined, unreadMessage(final, unread[0]));
      // Something editable is open, but not for this person or record.
      return notReached(reason);
    }
    let lost = lostParts(final, targets);
    if (lost.some((l) => l.part === 'subject')) deps.missing?.('subject');
    if (lost.some((l) => typeof l.part === 'object')) deps.missing?.('fields');

    const withText = targets
      .map((t) => ({ t, text: textForPart(final, t.part) }))
      .filter((x): x is { t: InsertionTarget; text: string } => x.text !== undefined);
    const before = new Map(withText.map(({ t }) => [t, heldText(t.element)] as const));

    // An edit made in the page before approving: the body already holds a version of the text.
    const body = withText.find(({ t }) => t.part === 'body' || t.part === 'text');
    const bodyNow = body ? (before.get(body.t) ?? '') : '';
    const already = !!body && norm(bodyNow) !== '' && norm(bodyNow).includes(norm(body.text));
    const changed = !!body && !already && norm(bodyNow) !== '' && similarity(bodyNow, body.text) >= SAME_TEXT;

    let parts: FollowedPart[];
    let where = targets[0]!.describe;
    if (already || changed) {
      // Nothing goes in twice: the person's version stays, and is what gets followed.
      parts = withText.map(({ t }) => ({
        part: t.part,
        element: t.element,
        before: '',
        inserted: before.get(t) ?? '',
      }));
      const pageContent = readContent(final, content, parts);
      placement(true, changed ? { pageContent } : {});
      where = `${where} (already there${changed ? ', with your changes' : ''})`;
    } else {
      const res = await applyDraft(doc, adapter, final, { memory: deps.memory });
      if (!res.onPage) return notReached('no_target');
      const failed = res.parts.filter((p) => !p.result.ok);
      if (failed.length > 0 && failed.length < res.parts.length) {
        // Some parts went in: the rest is said and offered for Copy below.
        lost = lostParts(
          final,
          targets,
          failed.map((p) => p.part),
        );
      } else if (!res.ok) {
        const what = failed.map((p) => (typeof p.part === 'object' ? p.part.field : p.part)).join(', ');
        if (final.kind === 'crm_update') deps.missing?.('fields');
        return notReached('refused', `${what || 'the text'}: ${failed[0]?.result.error ?? 'no editor'}`);
      }
      parts = withText.map(({ t }) => ({
        part: t.part,
        element: t.element,
        before: before.get(t) ?? '',
        inserted: heldText(t.element),
      }));
      placement(true);
    }

    const follower = followEditors({
      doc,
      mode: final.kind === 'email' ? 'send' : 'save',
      parts,
      onNoControl: () => deps.missing?.('send'),
      onEnd: (end: PageEnd, texts) => {
        if (!decision) return;
        // The texts were read at the moment of the send/save, before the page cleared the compose.
        deps.report?.({
          kind: 'end',
          id: crypto.randomUUID(),
          draftId: draft.id,
          decisionId: decision.id,
          end,
          content: readContent(final, content, parts, texts),
          at: at(),
        });
      },
    });
    return {
      placed: true,
      where,
      ...(lost.length ? { message: partialMessage(where, lost), copy: lostCopy(lost) } : {}),
      revert: () => {
        follower?.stop();
        if (already || changed) return { ok: true };
        return revertParts(parts, deps.memory);
      },
    };
  };
}
