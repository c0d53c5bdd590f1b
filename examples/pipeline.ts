/**
 * A pipeline end to end (README: "Plug in your AI pipeline"): a fake model drafts emails, they go
 * to Countersign through the SDK, a webhook listener hears each decision, "sends" the approved
 * text (edited or not) and records an outcome; a rejected draft is dropped.
 *
 *   npm start                                   # the review server on http://127.0.0.1:8787
 *   export COUNTERSIGN_TOKEN=$(npm run -s cli -- tokens create --user pipeline --role pipeline)
 *   export COUNTERSIGN_ADMIN_TOKEN=$(npm run -s cli -- tokens create --user admin --role admin)
 *   npm run example                             # then approve, edit or reject the drafts in the extension
 *
 * Options: --auto-decide (with COUNTERSIGN_REVIEWER_TOKEN: the script plays the reviewer too, so it
 * runs without a person), --port <listener port> (default 8788). Without COUNTERSIGN_ADMIN_TOKEN
 * it cannot subscribe a webhook and waits with `waitForDecision` instead.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  Countersign,
  type DraftIn,
  type DraftWithDecisions,
  nodeWebhookHandler,
  type VerifiedWebhook,
} from '../sdk/src';

const { values: args } = parseArgs({
  options: { 'auto-decide': { type: 'boolean', default: false }, port: { type: 'string', default: '8788' } },
});
const BASE = process.env.COUNTERSIGN_URL ?? 'http://127.0.0.1:8787';
const TOKEN = process.env.COUNTERSIGN_TOKEN;
const ADMIN = process.env.COUNTERSIGN_ADMIN_TOKEN;
const REVIEWER = process.env.COUNTERSIGN_REVIEWER_TOKEN;
if (!TOKEN) {
  console.error('Set COUNTERSIGN_TOKEN to a pipeline token (see the comment at the top of examples/pipeline.ts).');
  process.exit(2);
}
const countersign = new Countersign({ baseUrl: BASE, token: TOKEN });

/** The "model": three prospects, three emails, with how sure it is. */
function fakeModel(run: string): DraftIn[] {
  const prospects = [
    {
      name: 'Pat Lee',
      email: 'pat@acme.example',
      company: 'Acme',
      why: 'Acme opened a second office',
      confidence: 0.86,
    },
    { name: 'Sam Roy', email: 'sam@globex.example', company: 'Globex', why: 'Globex is hiring SDRs', confidence: 0.74 },
    {
      name: 'Kim Ode',
      email: 'kim@initech.example',
      company: 'Initech',
      why: 'Initech launched a new product line',
      confidence: 0.91,
    },
  ];
  return prospects.map((p, i) => ({
    externalId: `example-${run}-${i}`,
    workflow: 'outbound-email',
    kind: 'email',
    target: { site: 'gmail', email: p.email, name: p.name, company: p.company },
    account: { name: p.company, domain: p.email.split('@')[1] },
    content: {
      subject: `${p.company} and a quick idea`,
      body: `Hi ${p.name.split(' ')[0]},\n\nI saw that ${p.why.replace(`${p.company} `, 'you ')}. Would a 15-minute call next week help?\n\nBest,\nAlex`,
      to: p.email,
    },
    confidence: p.confidence,
    rationale: p.why,
    evidence: [{ label: 'Signal', snippet: p.why, source: 'news' }],
    model: { name: 'fake-model', version: '1' },
  }));
}

/** "Sending": here a log line; in a real pipeline the email API call, with exactly `final`. */
function send(draft: DraftWithDecisions) {
  const final = (draft.final ?? draft.content) as { subject: string; body: string; to?: string };
  const edited = JSON.stringify(final) !== JSON.stringify(draft.content);
  console.log(
    `SENT ${draft.externalId} to ${final.to ?? '?'}: "${final.subject}"${edited ? ' (edited by a person)' : ''}`,
  );
}

async function main() {
  const run = randomUUID().slice(0, 8);
  const drafts = fakeModel(run);
  const settled = new Map<string, DraftWithDecisions>();
  let done!: () => void;
  const allDone = new Promise<void>((r) => {
    done = r;
  });

  const onSettled = async (draft: DraftWithDecisions) => {
    if (settled.has(draft.id)) return; // at least once: the same event may come twice
    settled.set(draft.id, draft);
    if (draft.status === 'approved' || draft.status === 'auto_approved') {
      send(draft);
      await countersign.recordOutcome({ draftId: draft.id, correct: true, source: 'customer', note: 'sent' });
    } else console.log(`DROPPED ${draft.externalId}: ${draft.status}`);
    if (settled.size === drafts.length) done();
  };

  // 1. A webhook listener (signature checked by the SDK), subscribed through the admin API.
  let webhookId: string | undefined;
  const listener = createServer(
    nodeWebhookHandler('', async () => {}), // replaced below once the secret is known
  );
  if (ADMIN) {
    await new Promise<void>((r) => listener.listen(Number(args.port), '127.0.0.1', r));
    const url = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/countersign`;
    const res = await fetch(`${BASE}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        url,
        events: ['draft.decided', 'draft.expired', 'draft.auto_approved'],
        description: 'examples/pipeline.ts',
      }),
    });
    if (res.status !== 201) throw new Error(`could not subscribe the webhook: ${res.status} ${await res.text()}`);
    const sub = (await res.json()) as { id: string; secret: string };
    webhookId = sub.id;
    const handler = nodeWebhookHandler(sub.secret, (event: VerifiedWebhook) => {
      console.log(`webhook ${event.type} for ${event.data.draft.externalId} (${event.webhookId})`);
      if (drafts.some((d) => d.externalId === event.data.draft.externalId)) return onSettled(event.data.draft);
    });
    listener.removeAllListeners('request');
    listener.on('request', handler);
    console.log(`listening for webhooks on ${url}`);
  }

  // 2. Submit (idempotent by externalId: running this twice with the same ids creates nothing new).
  const results = await countersign.submitDrafts(drafts);
  for (const r of results) console.log(`submitted ${r.externalId}: route ${r.route} (${r.reasons.join('; ')})`);

  // 3. Without a webhook: wait on each draft instead (long-poll, reconnects on its own).
  if (!ADMIN) for (const r of results) void countersign.waitForDecision(r.id).then(onSettled);

  // The reviewer's part, when asked to play it: approve, edit, reject.
  if (args['auto-decide']) {
    if (!REVIEWER) throw new Error('--auto-decide needs COUNTERSIGN_REVIEWER_TOKEN');
    const now = new Date().toISOString();
    const [a, b, c] = results;
    const decisions = [
      { id: randomUUID(), draftId: a!.id, action: 'approve', decidedAt: now },
      {
        id: randomUUID(),
        draftId: b!.id,
        action: 'edit',
        content: { ...drafts[1]!.content, body: 'Hi Sam,\n\nCongrats on the hiring push. Worth a chat?\n\nAlex' },
        reasons: ['tone'],
        decidedAt: now,
      },
      { id: randomUUID(), draftId: c!.id, action: 'reject', reasons: ['wrong_person'], decidedAt: now },
    ];
    const res = await fetch(`${BASE}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${REVIEWER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decisions }),
    });
    if (!res.ok) throw new Error(`decisions: ${res.status}`);
  } else console.log('Waiting for a person to decide (open the extension or the dashboard)…');

  await allDone;
  console.log(`all ${drafts.length} drafts settled`);
  if (webhookId)
    await fetch(`${BASE}/v1/webhooks/${webhookId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
  listener.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
