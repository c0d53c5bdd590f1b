import type { Content, Draft } from '../../shared/schema';
import { editorText } from '../apply';
import { editableFor, editorKind } from '../apply/detect';
import type { InsertionTarget } from '../sites/types';

/** One editor being followed, with what it held around the insertion. */
export interface FollowedPart {
  part: InsertionTarget['part'];
  element: Element;
  /** Text before the approved text went in (a signature, a quote), or '' for an empty editor. */
  before: string;
  /** Text right after the approved text went in. */
  inserted: string;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: string, b: string, max: number): number {
  let i = 0;
  while (i < max && i < a.length && i < b.length && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

/**
 * The approved text's part of what the editor holds now: what was there before the insertion
 * (signature below, quote, greeting above) is cut off again when it is still there unchanged.
 */
export function insertedPart(now: string, before: string, inserted: string): string {
  if (before.trim() === '') return now.trim();
  const p = commonPrefix(before, inserted);
  const s = commonSuffix(before.slice(p), inserted.slice(p), before.length - p);
  const prefix = inserted.slice(0, p);
  const suffix = s > 0 ? inserted.slice(inserted.length - s) : '';
  if (now.startsWith(prefix) && now.endsWith(suffix) && now.length >= prefix.length + suffix.length)
    return now.slice(prefix.length, now.length - suffix.length).trim();
  return now.trim();
}

/** Reads one followed editor now (inputs: value; rich editors: the text the person sees). */
/** What an editor holds: the editable itself, not a wrapper that also shows the editor's placeholder. */
export function heldText(el: Element): string {
  const kind = editorKind(el);
  return editorText(kind ? editableFor(el, kind) : el, kind);
}

export function readPart(p: FollowedPart): string {
  const now = heldText(p.element);
  return p.part === 'body' || p.part === 'text' ? insertedPart(now, p.before, p.inserted) : now;
}

/**
 * What the page holds, in the draft's content shape: the followed parts read now, everything the
 * page does not show (recipients, field labels) kept from `final`.
 */
export function readContent(
  draft: Draft,
  final: Content,
  parts: readonly FollowedPart[],
  /** Texts already read (at the moment of the send, before the page cleared the compose). */
  texts?: ReadonlyMap<FollowedPart, string>,
): Content {
  const text = (part: FollowedPart['part']) => {
    const p = parts.find((x) =>
      typeof part === 'object' ? typeof x.part === 'object' && x.part.field === part.field : x.part === part,
    );
    return p ? (texts?.get(p) ?? readPart(p)) : undefined;
  };
  if (draft.kind === 'email' && 'subject' in final) {
    return { ...final, subject: text('subject') ?? final.subject, body: text('body') ?? text('text') ?? final.body };
  }
  if (draft.kind === 'note' && 'text' in final) return { text: text('text') ?? text('body') ?? final.text };
  if ('fields' in final) {
    return { fields: final.fields.map((f) => ({ ...f, value: text({ field: f.name }) ?? f.value })) };
  }
  return final;
}
