import nodemailer from 'nodemailer';
import type { Logger } from '../../log';
import type { Store } from '../../store';
import { parseJson } from '../views';
import { isTeamRecipient, recordLink } from './events';
import { postNotification } from './outbound';

/**
 * Sending the notification outbox (`notifications`, written by service/notify/events.ts) on the
 * instance that runs the timers: email over SMTP (nodemailer) and Slack-compatible incoming webhooks
 * (`POST {"text"}`). Single messages go at once; digest rows wait and go together, one message per
 * person and destination, every `digestMs`. A failure is tried again with backoff (at most 8 times).
 * A batch of escalations (events.ts: beyond the rate) is one row sent when its window closes; the
 * rows folded into it are marked sent with it, in the same statement, and never sent alone.
 *
 * SMTP from the environment: `COUNTERSIGN_SMTP_URL` (e.g. `smtp://user:pass@mail.example.com:587`,
 * `smtps://…` for TLS) or `SMTP_HOST`, `SMTP_PORT`, `SMTP_USER`, `SMTP_PASS`, `SMTP_SECURE=1`;
 * the sender `COUNTERSIGN_MAIL_FROM` (default `countersign@localhost`).
 */
export interface DeliveryOptions {
  smtpUrl?: string;
  from?: string;
  digestMs?: number;
  logger?: Logger;
}

const MAX_ATTEMPTS = 8;

export function smtpFromEnv(env = process.env): string | undefined {
  if (env.COUNTERSIGN_SMTP_URL) return env.COUNTERSIGN_SMTP_URL;
  if (!env.SMTP_HOST) return undefined;
  const auth = env.SMTP_USER ? `${encodeURIComponent(env.SMTP_USER)}:${encodeURIComponent(env.SMTP_PASS ?? '')}@` : '';
  const scheme = env.SMTP_SECURE === '1' || env.SMTP_SECURE === 'true' ? 'smtps' : 'smtp';
  return `${scheme}://${auth}${env.SMTP_HOST}:${env.SMTP_PORT ?? (scheme === 'smtps' ? 465 : 587)}`;
}

export function createDelivery(store: Store, opts: DeliveryOptions = {}) {
  const smtpUrl = opts.smtpUrl ?? smtpFromEnv();
  const from = opts.from ?? process.env.COUNTERSIGN_MAIL_FROM ?? 'countersign@localhost';
  const digestMs = opts.digestMs ?? Number(process.env.COUNTERSIGN_DIGEST_MINUTES ?? 60) * 60_000;
  const transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : null;

  async function send(channel: string, target: string, subject: string, text: string): Promise<void> {
    if (channel === 'email') {
      if (!transport) throw new Error('no SMTP server configured (COUNTERSIGN_SMTP_URL or SMTP_HOST)');
      await transport.sendMail({ from, to: target, subject, text });
      return;
    }
    if (channel === 'slack') {
      // Only to public addresses, or hosts the deployment allows (outbound.ts).
      const status = await postNotification(target, { text: `*${subject}*\n${text}` });
      if (status < 200 || status > 299) throw new Error(`webhook answered ${status}`);
      return;
    }
    throw new Error(`unknown channel ${channel}`);
  }

  const backoff = (attempts: number) => Math.min(3_600_000, 5_000 * 2 ** attempts);

  /** Sends what is due; returns how many messages went out. */
  async function deliver(now = new Date()): Promise<number> {
    const at = now.toISOString();
    let sent = 0;
    await unfoldOrphans();
    const single = await store.db
      .selectFrom('notifications')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('digest', '=', false)
      .where('folded_into', 'is', null)
      .where('next_at', '<=', at)
      .where('attempts', '<', MAX_ATTEMPTS)
      .orderBy('id')
      .limit(50)
      .execute();
    for (const n of single) {
      try {
        await send(n.channel, n.target, n.subject, n.text);
        await markSent([n.id], at);
        sent++;
      } catch (error) {
        await failed([n.id], n.attempts, error, now);
      }
    }
    // Digests: everything waiting for one destination, once its oldest row is `digestMs` old.
    const waiting = await store.db
      .selectFrom('notifications')
      .selectAll()
      .where('sent_at', 'is', null)
      .where('digest', '=', true)
      .where('folded_into', 'is', null)
      .where('next_at', '<=', at)
      .where('attempts', '<', MAX_ATTEMPTS)
      .orderBy('id')
      .limit(1000)
      .execute();
    const records = await recordLinks(waiting.map((n) => n.draft_id));
    const groups = new Map<string, typeof waiting>();
    for (const n of waiting) {
      const k = `${n.user_id}\u0000${n.channel}\u0000${n.target}`;
      groups.set(k, [...(groups.get(k) ?? []), n]);
    }
    for (const rows of groups.values()) {
      const oldest = Math.min(...rows.map((r) => Date.parse(r.created_at)));
      if (now.getTime() - oldest < digestMs) continue;
      const first = rows[0]!;
      const subject = isTeamRecipient(first.user_id)
        ? `Countersign (${first.user_id.slice(1)}): ${rows.length} notification${rows.length === 1 ? '' : 's'} for the team`
        : `Countersign: ${rows.length} draft${rows.length === 1 ? '' : 's'} need${rows.length === 1 ? 's' : ''} you`;
      const text = rows
        .map((r) => {
          const record = r.draft_id ? records.get(r.draft_id) : undefined;
          return `• ${r.subject} — ${r.link ?? ''}${record ? ` — the record: ${record}` : ''}`;
        })
        .join('\n');
      try {
        await send(first.channel, first.target, subject, `${text}\n\nOpening a link decides nothing.`);
        await markSent(
          rows.map((r) => r.id),
          at,
        );
        sent++;
      } catch (error) {
        await failed(
          rows.map((r) => r.id),
          Math.max(...rows.map((r) => r.attempts)),
          error,
          now,
        );
      }
    }
    return sent;
  }

  /** The record page (`target.url`, as the single messages name it) of each draft that has one. */
  async function recordLinks(draftIds: Array<string | null>): Promise<Map<string, string>> {
    const ids = [...new Set(draftIds.filter((id): id is string => id !== null))];
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await store.db
        .selectFrom('drafts')
        .select(['id', 'input_json'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) {
        const url = recordLink(parseJson<{ target?: { url?: unknown } } | null>(row.input_json, null)?.target?.url);
        if (url) out.set(row.id, url);
      }
    }
    return out;
  }

  /** Marks rows sent, and with a batch row the rows folded into it — one statement, so never apart. */
  async function markSent(ids: number[], at: string) {
    await store.db
      .updateTable('notifications')
      .set({ sent_at: at, error: null })
      .where((eb) => eb.or([eb('id', 'in', ids), eb.and([eb('folded_into', 'in', ids), eb('sent_at', 'is', null)])]))
      .execute();
  }

  /**
   * A row folded into a batch that was sent without it (folded by an instance whose clock was behind
   * as the batch went out) is sent on its own instead: nothing folded is lost.
   */
  async function unfoldOrphans() {
    await store.db
      .updateTable('notifications')
      .set({ folded_into: null })
      .where('sent_at', 'is', null)
      .where('folded_into', 'is not', null)
      .where('folded_into', 'in', (eb) =>
        eb.selectFrom('notifications as b').select('b.id').where('b.sent_at', 'is not', null),
      )
      .execute();
  }

  async function failed(ids: number[], attempts: number, error: unknown, now: Date) {
    opts.logger?.warn('notification not sent', { error: String(error), attempts: attempts + 1 });
    await store.db
      .updateTable('notifications')
      .set({
        attempts: attempts + 1,
        error: String(error).slice(0, 500),
        next_at: new Date(now.getTime() + backoff(attempts)).toISOString(),
      })
      .where('id', 'in', ids)
      .execute();
  }

  return { deliver, close: () => transport?.close() };
}
