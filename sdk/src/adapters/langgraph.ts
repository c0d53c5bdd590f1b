import type { Content, DraftIn, DraftWithDecisions } from '../../../lib/shared/schema';
import { type Countersign, isWaiting, type WaitOptions } from '../client';

/**
 * LangGraph Agent Inbox (`@langchain/langgraph/prebuilt`: `HumanInterrupt`, `HumanResponse`)
 * ↔ Countersign. The shapes are declared here as LangGraph documents them, so the SDK does not
 * depend on LangGraph; they are assignable to and from LangGraph's own types (tests check that).
 *
 * ```ts
 * const response = await reviewInterrupt(countersign, interrupt, { externalId: `thread-${id}`, workflow: 'outbound-email', account: { name: 'Acme' } });
 * // in a node: instead of `interrupt([request])[0]`, or inside the Agent Inbox's place
 * ```
 */
export interface ActionRequest {
  action: string;
  // biome-ignore lint/suspicious/noExplicitAny: LangGraph's own type
  args: Record<string, any>;
}
export interface HumanInterruptConfig {
  allow_ignore: boolean;
  allow_respond: boolean;
  allow_edit: boolean;
  allow_accept: boolean;
}
export interface HumanInterrupt {
  action_request: ActionRequest;
  config: HumanInterruptConfig;
  description?: string;
}
export type HumanResponse = {
  type: 'accept' | 'ignore' | 'response' | 'edit';
  args: null | string | ActionRequest;
};

/** What Countersign needs besides the interrupt: the idempotency key and the routing inputs. */
export type InterruptDraftOptions = Pick<DraftIn, 'externalId' | 'workflow' | 'account'> &
  Partial<Omit<DraftIn, 'externalId' | 'workflow' | 'account' | 'kind' | 'content'>>;

/** An email when the action's args carry `subject` and `body` (and `to`), else a note with the request. */
function contentOf(req: ActionRequest): Pick<DraftIn, 'kind' | 'content'> {
  const a = req.args;
  if (typeof a.subject === 'string' && typeof a.body === 'string')
    return {
      kind: 'email',
      content: { subject: a.subject, body: a.body, ...(typeof a.to === 'string' ? { to: a.to } : {}) },
    } as Pick<DraftIn, 'kind' | 'content'>;
  const text = typeof a.text === 'string' ? a.text : JSON.stringify(a, null, 2);
  return { kind: 'note', content: { text } } as Pick<DraftIn, 'kind' | 'content'>;
}

/** `HumanInterrupt` → a Countersign draft (the description becomes the rationale). */
export function interruptToDraft(interrupt: HumanInterrupt, opts: InterruptDraftOptions): DraftIn {
  return {
    confidence: 0.5,
    rationale: interrupt.description ?? `The agent asks to run "${interrupt.action_request.action}".`,
    evidence: [],
    target: {},
    ...opts,
    ...contentOf(interrupt.action_request),
    model: opts.model ?? { name: 'langgraph', version: interrupt.action_request.action },
  } as DraftIn;
}

/** The args with the person's final content put back (email: subject/body/to; note: text or the JSON). */
function argsWithFinal(req: ActionRequest, final: Content): ActionRequest['args'] {
  const f = final as Record<string, unknown>;
  if ('subject' in f && 'body' in f) return { ...req.args, ...f };
  if ('text' in f && typeof f.text === 'string') {
    if (typeof req.args.text === 'string') return { ...req.args, text: f.text };
    try {
      return JSON.parse(f.text) as ActionRequest['args'];
    } catch {
      return { ...req.args, text: f.text };
    }
  }
  return req.args;
}

/**
 * A settled draft → the `HumanResponse` the graph resumes with:
 * approved unchanged → `accept`; approved with edits → `edit` with the edited args; rejected with a
 * note or reasons → `response` (when the interrupt allows it: the agent reads why), else `ignore`;
 * expired (or anything else settled) → `ignore`. A draft still waiting has no response yet (throws).
 */
export function draftToHumanResponse(draft: DraftWithDecisions, interrupt: HumanInterrupt): HumanResponse {
  if (isWaiting(draft)) throw new Error(`draft ${draft.id} is still ${draft.status}`);
  if (draft.status === 'approved' || draft.status === 'auto_approved') {
    const final = (draft.final ?? draft.content) as Content;
    const edited = JSON.stringify(final) !== JSON.stringify(draft.content);
    if (!edited && interrupt.config.allow_accept) return { type: 'accept', args: null };
    if (interrupt.config.allow_edit || !interrupt.config.allow_accept)
      return {
        type: 'edit',
        args: { action: interrupt.action_request.action, args: argsWithFinal(interrupt.action_request, final) },
      };
    return { type: 'accept', args: null };
  }
  if (draft.status === 'rejected' && interrupt.config.allow_respond) {
    const last = [...draft.decisions].reverse().find((d) => d.status === 'applied' && d.action === 'reject');
    const why = [last?.note, last?.reasons.length ? `reasons: ${last.reasons.join(', ')}` : null]
      .filter(Boolean)
      .join(' — ');
    if (why) return { type: 'response', args: `Rejected by a reviewer. ${why}` };
  }
  return { type: 'ignore', args: null };
}

/** Submits the interrupt for review, waits for the person, and answers as the Agent Inbox would. */
export async function reviewInterrupt(
  client: Countersign,
  interrupt: HumanInterrupt,
  opts: InterruptDraftOptions & { wait?: WaitOptions },
): Promise<HumanResponse> {
  const { wait, ...draftOpts } = opts;
  const submitted = await client.submitDraft(interruptToDraft(interrupt, draftOpts));
  const draft = await client.waitForDecision(submitted.id, wait);
  return draftToHumanResponse(draft, interrupt);
}
