import type { Content, DraftIn, DraftWithDecisions } from '../../../lib/shared/schema';
import type { Countersign, WaitOptions } from '../client';

/**
 * OpenAI Agents SDK (`@openai/agents`): a tool's `needsApproval` that submits the tool call to
 * Countersign as a draft, and `resolveApprovals` that waits for the person and approves or rejects
 * the run's interruptions. Edits come back through `approvedInput`: the tool's `execute` runs with
 * the person's version of the input.
 *
 * ```ts
 * const review = countersignApprovals(countersign, { workflow: 'outbound-email', toDraft: (name, input) => ({ … }) });
 * const sendEmail = tool({ name: 'send_email', parameters, needsApproval: review.needsApproval('send_email'),
 *   execute: async (input, _ctx, details) => send(review.approvedInput(details?.toolCall?.callId, input)) });
 * let result = await run(agent, 'Write to Pat');
 * while (result.interruptions.length) { await review.resolveApprovals(result.interruptions, result.state); result = await run(agent, result.state); }
 * ```
 * The SDK's types are matched structurally, so this file does not depend on `@openai/agents`.
 */

/** What a tool call becomes: everything of a draft but the idempotency key and workflow. */
export type ToolCallDraft = Omit<DraftIn, 'externalId' | 'workflow'>;

export interface ApprovalOptions {
  workflow: string;
  /** The tool call as a draft (the person sees and may edit `content`). */
  toDraft: (toolName: string, input: unknown, callId: string) => ToolCallDraft;
  /** The person's final content → the tool's input (default: email/note fields merged into the input object). */
  fromFinal?: (final: Content, input: unknown) => unknown;
  /** Prefix of the drafts' externalId (`<prefix>:<callId>`; default "openai-agents"). */
  prefix?: string;
  wait?: WaitOptions;
}

/** The parts of a RunToolApprovalItem used here. */
export interface ApprovalItemLike {
  rawItem: { callId?: string; id?: string; name?: string; arguments?: string } | object;
}
export interface RunStateLike<I> {
  approve(item: I, options?: { alwaysApprove?: boolean }): void;
  reject(item: I, options?: { alwaysReject?: boolean; message?: string }): void;
}

function callIdOf(item: ApprovalItemLike): string | undefined {
  const raw = item.rawItem as { callId?: string; id?: string };
  return raw.callId ?? raw.id;
}

function defaultFromFinal(final: Content, input: unknown): unknown {
  if (!input || typeof input !== 'object') return final;
  const f = final as Record<string, unknown>;
  if ('text' in f && typeof f.text === 'string' && !('text' in (input as object))) {
    try {
      return JSON.parse(f.text);
    } catch {
      return input;
    }
  }
  return { ...(input as object), ...f };
}

export function countersignApprovals(client: Countersign, opts: ApprovalOptions) {
  const prefix = opts.prefix ?? 'openai-agents';
  const externalId = (callId: string) => `${prefix}:${callId}`;
  /** callId → draft id (submitted by needsApproval) and the settled draft. */
  const drafts = new Map<string, string>();
  const settled = new Map<string, DraftWithDecisions>();

  const submit = async (toolName: string, input: unknown, callId: string) => {
    const r = await client.submitDraft({
      ...opts.toDraft(toolName, input, callId),
      externalId: externalId(callId),
      workflow: opts.workflow,
    } as DraftIn);
    drafts.set(callId, r.id);
    return r;
  };

  return {
    /**
     * For `tool({ needsApproval })`: submits the call as a draft (idempotent by callId) and asks the
     * run to stop for approval unless the workflow auto-approved it.
     */
    needsApproval(toolName: string) {
      return async (_runContext: unknown, input: unknown, callId?: string): Promise<boolean> => {
        if (!callId) return true;
        const r = await submit(toolName, input, callId);
        return r.status !== 'auto_approved';
      };
    },

    /** Waits for the person on each interruption and approves or rejects it in the run state. */
    async resolveApprovals<I extends ApprovalItemLike>(
      interruptions: readonly I[],
      state: RunStateLike<I>,
    ): Promise<Array<{ callId: string; draft: DraftWithDecisions; approved: boolean }>> {
      const out: Array<{ callId: string; draft: DraftWithDecisions; approved: boolean }> = [];
      for (const item of interruptions) {
        const callId = callIdOf(item);
        if (!callId) {
          state.reject(item, { message: 'no call id to look the review up by' });
          continue;
        }
        let id = drafts.get(callId);
        if (!id) {
          // Resumed in another process: the draft is found again by its externalId (same call id).
          const raw = item.rawItem as { name?: string; arguments?: string };
          let input: unknown = raw.arguments;
          try {
            input = JSON.parse(raw.arguments ?? 'null');
          } catch {
            // keep the string
          }
          id = (await submit(raw.name ?? 'tool', input, callId)).id;
        }
        const draft = await client.waitForDecision(id, opts.wait);
        settled.set(callId, draft);
        const approved = draft.status === 'approved' || draft.status === 'auto_approved';
        if (approved) state.approve(item);
        else {
          const last = [...draft.decisions].reverse().find((d) => d.status === 'applied');
          state.reject(item, {
            message: `Not approved (${draft.status})${last?.note ? `: ${last.note}` : ''}${last?.reasons.length ? ` [${last.reasons.join(', ')}]` : ''}`,
          });
        }
        out.push({ callId, draft, approved });
      }
      return out;
    },

    /** The tool's input as the person approved it (edits included); the input itself when not edited or not reviewed. */
    approvedInput<T>(callId: string | undefined, input: T): T {
      const draft = callId ? settled.get(callId) : undefined;
      if (!draft || !draft.final) return input;
      if (JSON.stringify(draft.final) === JSON.stringify(draft.content)) return input;
      return (opts.fromFinal ?? defaultFromFinal)(draft.final as Content, input) as T;
    },

    /** The settled draft of a call (after `resolveApprovals`). */
    decisionFor(callId: string): DraftWithDecisions | undefined {
      return settled.get(callId);
    },
  };
}
