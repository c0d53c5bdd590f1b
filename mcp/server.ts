import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { DraftIn, type DraftWithDecisions } from '../lib/shared/schema';
import { ApiError, Countersign } from '../sdk/src';

/**
 * The Countersign MCP server (`npm run mcp`, stdio): an MCP-capable agent asks a person before it
 * sends. Tools:
 * - `request_review`: submit a draft (email, CRM update or note) → id, route, status, reasons;
 * - `get_review`: status, final text (what to send), reasons; `wait` (seconds) answers as soon as
 *   a person decided.
 * Configuration: COUNTERSIGN_URL (default http://127.0.0.1:8787), COUNTERSIGN_TOKEN (a pipeline token).
 * stdout is the protocol; logs go to stderr.
 */

/** Longest `wait` of one call: MCP clients' default request timeout is 60 s. */
const MAX_WAIT_S = 50;

const Account = z.object({
  name: z.string().min(1),
  domain: z.string().optional(),
  tier: z.enum(['named', 'standard']).optional(),
  ownerId: z.string().optional(),
  dealValue: z.number().min(0).optional(),
});

const requestReviewInput = {
  workflow: z.string().min(1).max(100).describe('e.g. "outbound-email"; the workflow policy decides who reviews'),
  kind: z.enum(['email', 'crm_update', 'note']),
  content: z
    .record(z.string(), z.unknown())
    .describe('email: {subject, body, to?}; crm_update: {fields: [{name, value, label?, previous?}]}; note: {text}'),
  account: Account.describe('the customer account the draft is for'),
  confidence: z.number().min(0).max(1).describe('how sure you are that it is right, 0..1'),
  rationale: z.string().min(1).describe('why you wrote it this way; shown to the reviewer'),
  externalId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('your own id for this draft; asking again with the same id returns the same review'),
  target: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('{site?, email?, name?, company?, recordType?, recordId?}'),
  evidence: z
    .array(
      z.object({ label: z.string(), snippet: z.string(), url: z.string().optional(), source: z.string().optional() }),
    )
    .max(50)
    .optional(),
  flags: z.array(z.string()).optional().describe('e.g. ["pricing"] sends it to a specialist'),
};

const getReviewInput = {
  id: z.string().min(1).describe('the id request_review returned'),
  wait: z
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_S)
    .optional()
    .describe(`seconds to wait for a person's decision (0–${MAX_WAIT_S}); answers as soon as there is one`),
};

/** What an agent needs of a draft: may it send, and what exactly. */
export function reviewSummary(d: DraftWithDecisions) {
  const last = [...d.decisions].reverse().find((x) => x.status === 'applied');
  const waiting = ['pending', 'awaiting_second', 'escalated'].includes(d.status);
  const mayProceed = d.status === 'approved' || d.status === 'auto_approved';
  return {
    id: d.id,
    externalId: d.externalId,
    status: d.status,
    waiting,
    mayProceed,
    final: mayProceed ? (d.final ?? d.content) : null,
    edited: mayProceed && JSON.stringify(d.final ?? d.content) !== JSON.stringify(d.content),
    reasons: d.reasons,
    decision: last
      ? { action: last.action, reasons: last.reasons, note: last.note, by: last.userId, at: last.decidedAt }
      : null,
  };
}

function errorResult(e: unknown) {
  const message =
    e instanceof ApiError
      ? `Countersign answered: ${e.message}${e.status ? ` (HTTP ${e.status})` : ''}`
      : e instanceof z.ZodError
        ? `Invalid draft: ${e.issues.map((i) => `${i.path.join('.') || '(draft)'}: ${i.message}`).join('; ')}`
        : String((e as Error)?.message ?? e);
  return { isError: true, content: [{ type: 'text' as const, text: message }] };
}

export function createMcpServer(client: Countersign): McpServer {
  const server = new McpServer({ name: 'countersign', version: '0.1.0' });
  server.registerTool(
    'request_review',
    {
      title: 'Ask a person to review a draft before sending it',
      description:
        'Submits a draft (email, CRM update or note) to Countersign. Returns its id and route: "auto" = approved without a person (you may send it), "review" = a person will approve, edit or reject it, "manual" = a person will write it. Then call get_review with the id (and wait) to learn the decision and the final text to send.',
      inputSchema: requestReviewInput,
    },
    async (args) => {
      try {
        const draft = DraftIn.parse({
          externalId: args.externalId ?? `mcp-${randomUUID()}`,
          workflow: args.workflow,
          kind: args.kind,
          content: args.content,
          account: args.account,
          confidence: args.confidence,
          rationale: args.rationale,
          target: args.target ?? {},
          evidence: args.evidence ?? [],
          ...(args.flags ? { flags: args.flags } : {}),
          model: { name: 'mcp-agent', version: '1' },
        });
        const r = await client.submitDraft(draft);
        const out = {
          id: r.id,
          externalId: r.externalId,
          route: r.route,
          status: r.status,
          reasons: r.reasons,
          queue: r.queue,
          assignee: r.assignee,
        };
        return { content: [{ type: 'text' as const, text: JSON.stringify(out) }], structuredContent: out };
      } catch (e) {
        return errorResult(e);
      }
    },
  );
  server.registerTool(
    'get_review',
    {
      title: 'The decision on a draft',
      description:
        'Status of a draft submitted with request_review. "mayProceed" true = approved: send exactly "final" (a person may have edited it). "waiting" true = nobody decided yet (pass wait to wait for it). Rejected or expired: do not send; "decision" says why.',
      inputSchema: getReviewInput,
    },
    async (args) => {
      try {
        const d = await client.getDraft(args.id, args.wait ? { wait: args.wait } : {});
        const out = reviewSummary(d);
        return { content: [{ type: 'text' as const, text: JSON.stringify(out) }], structuredContent: out };
      } catch (e) {
        return errorResult(e);
      }
    },
  );
  return server;
}

async function main() {
  const token = process.env.COUNTERSIGN_TOKEN?.trim();
  if (!token) {
    process.stderr.write(
      'COUNTERSIGN_TOKEN is not set. Create one: npm run -s cli -- tokens create --user agent --role pipeline\n',
    );
    process.exit(2);
  }
  const client = new Countersign({ baseUrl: process.env.COUNTERSIGN_URL?.trim() || 'http://127.0.0.1:8787', token });
  const server = createMcpServer(client);
  await server.connect(new StdioServerTransport());
  process.stderr.write('countersign MCP server ready on stdio\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`countersign MCP server failed: ${String((e as Error)?.message ?? e)}\n`);
    process.exit(1);
  });
}
