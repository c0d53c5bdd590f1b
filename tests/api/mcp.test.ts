import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server';
import { decision, postDecisions } from './fixtures';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type ToolResult = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: unknown };

describe('MCP server (npm run mcp) over stdio, with the MCP SDK client, against the real server', () => {
  let s: TestServer;
  let client: Client;
  let ann: string;

  beforeAll(async () => {
    s = await startTestServer('sqlite', { webhooks: false });
    ann = await s.token('reviewer', { user: 'ann' });
    const transport = new StdioClientTransport({
      command: 'npm',
      args: ['run', '-s', 'mcp'],
      cwd: ROOT,
      env: {
        ...(process.env as Record<string, string>),
        COUNTERSIGN_URL: s.url,
        COUNTERSIGN_TOKEN: await s.token('pipeline'),
      },
      stderr: 'pipe',
    });
    client = new Client({ name: 'countersign-test', version: '1.0.0' });
    await client.connect(transport);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await s?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolResult;

  it('lists request_review and get_review with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_review', 'request_review']);
    const req = tools.find((t) => t.name === 'request_review')!;
    expect(req.inputSchema.required).toEqual(
      expect.arrayContaining(['workflow', 'kind', 'content', 'account', 'confidence', 'rationale']),
    );
    expect(Object.keys(tools.find((t) => t.name === 'get_review')!.inputSchema.properties ?? {})).toEqual([
      'id',
      'wait',
    ]);
  });

  it('request_review submits a draft; get_review with wait answers once a person decided, with the final text', async () => {
    const submitted = await call('request_review', {
      workflow: 'outbound-email',
      kind: 'email',
      content: { subject: 'Quick question', body: 'Hi Pat, are you free Tuesday?', to: 'pat@acme.com' },
      account: { name: 'Acme' },
      confidence: 0.8,
      rationale: 'Pat asked for a follow-up',
      externalId: 'mcp-test-1',
    });
    expect(submitted.isError).toBeFalsy();
    const r = submitted.structuredContent as { id: string; route: string; status: string; reasons: string[] };
    expect(r).toMatchObject({ route: 'review', status: 'pending' });
    expect(r.reasons.length).toBeGreaterThan(0);
    // Same externalId: the same review.
    const again = await call('request_review', {
      workflow: 'outbound-email',
      kind: 'email',
      content: { subject: 'Quick question', body: 'Hi Pat, are you free Tuesday?', to: 'pat@acme.com' },
      account: { name: 'Acme' },
      confidence: 0.8,
      rationale: 'Pat asked for a follow-up',
      externalId: 'mcp-test-1',
    });
    expect((again.structuredContent as { id: string }).id).toBe(r.id);

    const before = await call('get_review', { id: r.id });
    expect(before.structuredContent).toMatchObject({
      status: 'pending',
      waiting: true,
      mayProceed: false,
      final: null,
    });

    const edited = { subject: 'Quick question', body: 'Hi Pat, would Tuesday at 10 work?', to: 'pat@acme.com' };
    const t0 = Date.now();
    const waiting = call('get_review', { id: r.id, wait: 30 });
    setTimeout(
      () => void postDecisions(s, ann, [decision(r.id, { action: 'edit', content: edited, reasons: ['tone'] })]),
      300,
    );
    const after = await waiting;
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(after.structuredContent).toMatchObject({
      status: 'approved',
      waiting: false,
      mayProceed: true,
      edited: true,
      final: edited,
      decision: { action: 'edit', reasons: ['tone'], by: 'ann' },
    });
  });

  it('bad input and unknown drafts come back as tool errors, not crashes', async () => {
    const bad = await call('request_review', {
      workflow: 'outbound-email',
      kind: 'email',
      content: { subject: 'no body' },
      account: { name: 'Acme' },
      confidence: 0.8,
      rationale: 'x',
    });
    expect(bad.isError).toBe(true);
    expect(bad.content[0]!.text).toMatch(/Invalid draft/);
    const missing = await call('get_review', { id: 'nope' });
    expect(missing.isError).toBe(true);
    expect(missing.content[0]!.text).toMatch(/404/);
  });
});
