import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type {
  HumanInterrupt as LangGraphInterrupt,
  HumanResponse as LangGraphResponse,
} from '@langchain/langgraph/prebuilt';
import { RunContext, tool } from '@openai/agents-core';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ApiError,
  Countersign,
  DecisionTimeoutError,
  expressWebhookHandler,
  honoWebhookHandler,
  InvalidWebhookError,
  nodeWebhookHandler,
  type VerifiedWebhook,
  verifyWebhook,
} from '../../sdk/src';
import { draftToHumanResponse, interruptToDraft, reviewInterrupt } from '../../sdk/src/adapters/langgraph';
import { countersignApprovals } from '../../sdk/src/adapters/openai-agents';
import { startServer } from '../../server/main';
import { createToken } from '../../server/tokens';
import { freshDatabase, startTestServer, TEST_DBS, type TestServer } from '../helpers/server';
import { decision, draftIn, postDecisions } from './fixtures';

const FAST_HOOKS = { retryDelaysMs: [150], timeoutMs: 2_000, idlePollMs: 200 };

/** Decides the draft once the SDK's request for it is waiting (a moment later). */
function decideSoon(
  s: TestServer,
  token: string,
  draftId: string,
  over: Parameters<typeof decision>[1] = {},
  ms = 300,
) {
  return new Promise<void>((resolve, reject) =>
    setTimeout(() => postDecisions(s, token, [decision(draftId, over)]).then(() => resolve(), reject), ms),
  );
}

describe.each(TEST_DBS)('SDK against the real server on %s', (db) => {
  let s: TestServer;
  let cs: Countersign;
  let admin: string;
  let ann: string;

  beforeAll(async () => {
    s = await startTestServer(db, { webhooks: FAST_HOOKS });
    admin = await s.token('admin', { user: 'root' });
    ann = await s.token('reviewer', { user: 'ann' });
    cs = new Countersign({ baseUrl: s.url, token: await s.token('pipeline', { user: 'pipe' }) });
  });
  afterAll(() => s?.close());

  it('submitDrafts is idempotent by externalId; getDraft; waitForDecision answers after the decision', async () => {
    const drafts = [draftIn(), draftIn()];
    const first = await cs.submitDrafts(drafts);
    const again = await cs.submitDrafts(drafts);
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(first[0]).toMatchObject({ route: 'review', status: 'pending' });
    // Input is checked before anything is sent.
    await expect(cs.submitDrafts([{ ...drafts[0]!, confidence: 7 }])).rejects.toThrow();

    const edited = { subject: 'A question for Acme', body: 'Edited by Ann' };
    const t0 = Date.now();
    const [draft] = await Promise.all([
      cs.waitForDecision(first[0]!.id),
      decideSoon(s, ann, first[0]!.id, { action: 'edit', content: edited, reasons: ['tone'] }),
    ]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(draft).toMatchObject({ status: 'approved', final: edited });
    expect((await cs.getDraft(first[1]!.id)).status).toBe('pending');
    await expect(cs.waitForDecision(first[1]!.id, { timeoutMs: 1_200, pollSeconds: 1 })).rejects.toBeInstanceOf(
      DecisionTimeoutError,
    );
    expect(await cs.recordOutcome({ draftId: first[0]!.id, correct: true, source: 'customer' })).toEqual([
      { draftId: first[0]!.id, status: 'recorded' },
    ]);
    await expect(cs.getDraft('no-such-draft')).rejects.toMatchObject({ kind: 'http', status: 404 });
  });

  it('verifyWebhook and the handlers for Node http, Hono and Express receive typed, verified events', async () => {
    const got: Record<string, VerifiedWebhook[]> = { node: [], hono: [], express: [] };
    const servers: Server[] = [];
    const listen = (srv: Server) =>
      new Promise<string>((resolve) => {
        servers.push(srv);
        srv.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`));
      });
    // Secrets come from the subscriptions, made first with placeholder URLs on free ports.
    const secrets: Record<string, string> = {};
    const handlerSecret = (name: string) => () => secrets[name]!;
    const nodeUrl = await listen(
      createServer((req, res) => nodeWebhookHandler(handlerSecret('node')(), (e) => void got.node!.push(e))(req, res)),
    );
    const hono = new Hono();
    hono.post('/hook', (c) => honoWebhookHandler(handlerSecret('hono')(), (e) => void got.hono!.push(e))(c));
    const honoServer = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }) as unknown as Server;
    await new Promise<void>((r) => (honoServer.listening ? r() : honoServer.once('listening', () => r())));
    servers.push(honoServer);
    const honoUrl = `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}/hook`;
    const app = express();
    app.post('/hook', express.raw({ type: 'application/json' }), (req, res) =>
      expressWebhookHandler(handlerSecret('express')(), (e) => void got.express!.push(e))(req, res),
    );
    const expressUrl = await listen(createServer(app));
    try {
      for (const [name, url] of Object.entries({ node: nodeUrl, hono: honoUrl, express: expressUrl })) {
        const r = await s.api('/v1/webhooks', { token: admin, body: { url, events: ['draft.decided'] } });
        secrets[name] = ((await r.json()) as { secret: string }).secret;
      }
      const [d] = await cs.submitDrafts([draftIn()]);
      await postDecisions(s, ann, [decision(d!.id, { action: 'reject', reasons: ['tone'] })]);
      await expect.poll(() => Object.values(got).map((l) => l.length), { timeout: 10_000 }).toEqual([1, 1, 1]);
      for (const name of ['node', 'hono', 'express']) {
        const e = got[name]![0]!;
        expect(e.type).toBe('draft.decided');
        expect(e.webhookId).toMatch(/^msg_/);
        expect(e.data.draft).toMatchObject({ id: d!.id, status: 'rejected' });
        expect(e.data.decision?.reasons).toEqual(['tone']);
      }
      // Not signed with the secret: 401 from every handler, and verifyWebhook throws.
      for (const url of [nodeUrl, honoUrl, expressUrl]) {
        const r = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'msg_x',
            'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
            'webhook-signature': 'v1,AAAA',
          },
          body: '{"type":"draft.decided"}',
        });
        expect(r.status, url).toBe(401);
      }
      expect(() => verifyWebhook(secrets.node!, '{}', { 'webhook-id': 'x' })).toThrow(InvalidWebhookError);
    } finally {
      for (const srv of servers) await new Promise((r) => srv.close(r));
      for (const w of (await (await s.api('/v1/webhooks', { token: admin })).json()).webhooks as Array<{ id: string }>)
        await s.api(`/v1/webhooks/${w.id}`, { method: 'DELETE', token: admin });
    }
  });

  it('LangGraph Agent Inbox: HumanInterrupt → draft; accept, edit, response from the decisions', async () => {
    const interrupt = (subject: string): LangGraphInterrupt => ({
      action_request: { action: 'send_email', args: { to: 'pat@acme.com', subject, body: 'Hi Pat' } },
      config: { allow_accept: true, allow_edit: true, allow_respond: true, allow_ignore: true },
      description: 'Follow-up after the demo',
    });
    // A confidence that routes to review: below the workflow's review threshold the draft goes the
    // manual route, where a plain approve is refused (the person writes it) and `accept` cannot happen.
    const base = { workflow: 'outbound-email', account: { name: 'Acme' }, confidence: 0.8 };
    const i1 = interrupt('Accept me');
    expect(interruptToDraft(i1, { ...base, externalId: 'x' })).toMatchObject({
      kind: 'email',
      content: { subject: 'Accept me', body: 'Hi Pat', to: 'pat@acme.com' },
      rationale: 'Follow-up after the demo',
    });
    const ids = ['lg-1', 'lg-2', 'lg-3'].map((p) => `${p}-${Date.now()}`);
    const pending = [
      reviewInterrupt(cs, i1, { ...base, externalId: ids[0]! }),
      reviewInterrupt(cs, interrupt('Edit me'), { ...base, externalId: ids[1]! }),
      reviewInterrupt(cs, interrupt('Reject me'), { ...base, externalId: ids[2]! }),
    ];
    // The reviewer finds them by externalId in their queue.
    const byExt = async (ext: string) => {
      for (;;) {
        const r = await cs.listDrafts({ limit: 1000 });
        const d = r.drafts.find((x) => x.externalId === ext);
        if (d) return d.id;
        await new Promise((r2) => setTimeout(r2, 50));
      }
    };
    const [a, b, c] = await Promise.all(ids.map(byExt));
    await postDecisions(s, ann, [
      decision(a!),
      decision(b!, { action: 'edit', content: { subject: 'Edited', body: 'Hello Pat' }, reasons: ['tone'] }),
      decision(c!, { action: 'reject', reasons: ['wrong_person'], note: 'Pat left Acme' }),
    ]);
    const [accept, edit, response]: LangGraphResponse[] = await Promise.all(pending);
    expect(accept).toEqual({ type: 'accept', args: null });
    expect(edit).toEqual({
      type: 'edit',
      args: { action: 'send_email', args: { to: 'pat@acme.com', subject: 'Edited', body: 'Hello Pat' } },
    });
    expect(response).toMatchObject({ type: 'response' });
    expect(response!.args).toContain('Pat left Acme');
    // Without allow_respond a rejection is `ignore`.
    const rejected = await cs.getDraft(c!);
    expect(draftToHumanResponse(rejected, { ...i1, config: { ...i1.config, allow_respond: false } })).toEqual({
      type: 'ignore',
      args: null,
    });
  });

  it('OpenAI Agents SDK: needsApproval submits the tool call; the decision approves or rejects it, edits included', async () => {
    const review = countersignApprovals(cs, {
      workflow: 'outbound-email',
      toDraft: (_name, input) => {
        const i = input as { to: string; subject: string; body: string };
        return {
          kind: 'email',
          target: { email: i.to },
          account: { name: 'Acme' },
          content: { subject: i.subject, body: i.body, to: i.to },
          confidence: 0.8,
          rationale: 'the agent wants to send this',
          evidence: [],
        };
      },
    });
    const sent: unknown[] = [];
    const sendEmail = tool({
      name: 'send_email',
      description: 'Send an email',
      parameters: z.object({ to: z.string(), subject: z.string(), body: z.string() }),
      needsApproval: review.needsApproval('send_email'),
      execute: async (input, _ctx, details) => {
        sent.push(review.approvedInput(details?.toolCall?.callId, input));
        return 'sent';
      },
    });
    const input = { to: 'pat@acme.com', subject: 'Hi', body: 'Original' };
    const ctx = new RunContext({});
    const callIds = [`call_${Date.now()}_1`, `call_${Date.now()}_2`];
    for (const id of callIds) expect(await sendEmail.needsApproval(ctx, input, id)).toBe(true);
    const list = await cs.listDrafts({ limit: 1000 });
    const ofCall = (id: string) => list.drafts.find((d) => d.externalId === `openai-agents:${id}`)!.id;
    await postDecisions(s, ann, [
      decision(ofCall(callIds[0]!), {
        action: 'edit',
        content: { subject: 'Hi Pat', body: 'Edited', to: 'pat@acme.com' },
        reasons: ['tone'],
      }),
      decision(ofCall(callIds[1]!), { action: 'reject', reasons: ['wrong_person'] }),
    ]);
    const items = callIds.map((callId) => ({
      rawItem: { type: 'function_call', callId, name: 'send_email', arguments: JSON.stringify(input) },
    }));
    const approved: string[] = [];
    const rejected: Array<{ id: string; message?: string }> = [];
    await review.resolveApprovals(items, {
      approve: (i) => approved.push(i.rawItem.callId),
      reject: (i, o) => rejected.push({ id: i.rawItem.callId, message: o?.message }),
    });
    expect(approved).toEqual([callIds[0]]);
    expect(rejected).toEqual([{ id: callIds[1], message: expect.stringContaining('wrong_person') }]);
    // The approved call runs with the person's edit.
    await sendEmail.invoke(ctx, JSON.stringify(input), {
      toolCall: { type: 'function_call', callId: callIds[0]!, name: 'send_email', arguments: JSON.stringify(input) },
    });
    expect(sent).toEqual([{ to: 'pat@acme.com', subject: 'Hi Pat', body: 'Edited' }]);
  });
});

describe('SDK resilience', () => {
  it('retries 429s honouring Retry-After', async () => {
    const s = await startTestServer('sqlite', { rateLimit: { limit: 2, windowMs: 1_000 }, webhooks: false });
    try {
      const cs = new Countersign({ baseUrl: s.url, token: await s.token('pipeline'), retry: { baseDelayMs: 50 } });
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: 5 }, () => cs.submitDrafts([draftIn()])));
      expect(results.flat()).toHaveLength(5);
      // At most 2 a second: the fifth went through in the third window.
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
      const noRetry = new Countersign({ baseUrl: s.url, token: await s.token('pipeline'), retry: { retries: 0 } });
      await Promise.allSettled([noRetry.getDraft('x'), noRetry.getDraft('x')]);
      await expect(noRetry.getDraft('x')).rejects.toMatchObject({ status: 429 });
    } finally {
      await s.close();
    }
  });

  it('waitForDecision keeps waiting across a server restart', async () => {
    const fresh = await freshDatabase('sqlite');
    let server = await startServer({ port: 0, databaseUrl: fresh.url, webhooks: false });
    const port = server.port;
    try {
      const pipe = (await createToken(server.store, { user: 'pipe', role: 'pipeline', actor: 't' })).token;
      const ann = (await createToken(server.store, { user: 'ann', role: 'reviewer', actor: 't' })).token;
      const cs = new Countersign({ baseUrl: server.url, token: pipe, retry: { baseDelayMs: 100, maxDelayMs: 300 } });
      const [d] = await cs.submitDrafts([draftIn()]);
      const waiting = cs.waitForDecision(d!.id, { pollSeconds: 1 });
      let settledEarly = false;
      void waiting.then(() => {
        settledEarly = true;
      });
      await server.close();
      await new Promise((r) => setTimeout(r, 800)); // down: the SDK's requests fail and are retried
      expect(settledEarly).toBe(false);
      server = await startServer({ port, databaseUrl: fresh.url, webhooks: false });
      const r = await fetch(`${server.url}/v1/decisions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decisions: [decision(d!.id)] }),
      });
      expect(r.status).toBe(200);
      expect(await waiting).toMatchObject({ id: d!.id, status: 'approved' });
    } finally {
      await server.close();
      await fresh.drop();
    }
  });

  it('a non-retryable error is thrown at once', async () => {
    const s = await startTestServer('sqlite', { webhooks: false });
    try {
      const cs = new Countersign({ baseUrl: s.url, token: 'not-a-token' });
      const t0 = Date.now();
      const e = await cs.submitDrafts([draftIn()]).catch((x) => x);
      expect(e).toBeInstanceOf(ApiError);
      expect(e.status).toBe(401);
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await s.close();
    }
  });
});
