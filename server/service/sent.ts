import { createTwoFilesPatch } from 'diff';
import type { Kysely } from 'kysely';
import { contentLines } from '../../lib/shared/policy/diff';
import type {
  Content,
  DraftIn,
  HealthCount,
  PageHealthOut,
  PageReport,
  PageReportResult,
  Sent,
} from '../../lib/shared/schema';
import { appendAudit } from '../audit';
import type { Database, Dialect, Store } from '../store';
import { idIn } from '../store/fast';
import type { AuthUser } from '../tokens';
import { sentFor } from './draft-view';
import { parseJson } from './views';
import { enqueueEvent } from './webhooks/outbox';

export { sentFor };

/**
 * Issue 18: what happened to approved text in the page. The extension reports, through its outbox,
 * a `placement` (did the text reach the page when the person approved; did the page already hold
 * a changed version) and an `end` (what the editor held when the person sent, saved, discarded or
 * left). An `end` of `sent`/`saved` becomes the draft's `sent` (contract v1.1), first one wins.
 */

/** Text as a person reads it: editors turn line breaks into blocks and spaces into &nbsp;. */
function normText(s: string): string {
  return s
    .replace(/\u00a0/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether the page's content says the same as `final` (whitespace and line-break rendering aside). */
export function sameContent(a: Content, b: Content): boolean {
  return normText(contentLines(a).join('\n')) === normText(contentLines(b).join('\n'));
}

/** jsdiff unified patch of `final` → `sent`, line by line in the content's reading form. */
export function contentDiff(final: Content, sent: Content): string {
  const a = `${contentLines(final).join('\n')}\n`;
  const b = `${contentLines(sent).join('\n')}\n`;
  return createTwoFilesPatch('final', 'sent', a, b, undefined, undefined, { context: 2 });
}

/** The page's content in the draft's shape: keeps what the page cannot show (e.g. `to`, field labels). */
function shaped(final: Content, page: Content): Content {
  if ('subject' in final && 'subject' in page) return { ...final, subject: page.subject, body: page.body };
  if ('fields' in final && 'fields' in page) {
    const byName = new Map(page.fields.map((f) => [f.name, f.value]));
    return { fields: final.fields.map((f) => ({ ...f, value: byName.get(f.name) ?? f.value })) };
  }
  return page;
}

/** Stores page reports; one write transaction for the batch, results in input order. */
export async function applyPageReports(
  store: Store,
  user: AuthUser,
  reports: PageReport[],
  now = new Date(),
): Promise<PageReportResult[]> {
  const at = now.toISOString();
  return store.write(async (trx, versions) => {
    const out: PageReportResult[] = [];
    for (const r of reports) {
      const seen = await trx.selectFrom('page_reports').select('id').where('id', '=', r.id).executeTakeFirst();
      if (seen) {
        out.push({ id: r.id, status: 'duplicate' });
        continue;
      }
      const decision = await trx
        .selectFrom('decisions')
        .select(['id', 'draft_id', 'user_id', 'action', 'status', 'content_json'])
        .where('id', '=', r.decisionId)
        .executeTakeFirst();
      // The approval has not been pushed yet (it waits out its undo window in the browser).
      if (!decision) {
        out.push({ id: r.id, status: 'waiting' });
        continue;
      }
      const refuse = (error: string) => out.push({ id: r.id, status: 'rejected', error });
      if (decision.draft_id !== r.draftId) {
        refuse('the decision belongs to another draft');
        continue;
      }
      if (decision.user_id !== user.id) {
        refuse('only the person who approved may report on the page');
        continue;
      }
      if (decision.status !== 'applied' || (decision.action !== 'approve' && decision.action !== 'edit')) {
        refuse(`the decision was not an applied approval (${decision.action}, ${decision.status})`);
        continue;
      }
      const draft = await trx
        .selectFrom('drafts')
        .select(['id', 'kind', 'workflow', 'input_json', 'final_json'])
        .where('id', '=', r.draftId)
        .executeTakeFirst();
      if (!draft) {
        refuse('no such draft');
        continue;
      }
      const input = parseJson<Partial<DraftIn> | null>(draft.input_json, null);
      const final =
        parseJson<Content | null>(draft.final_json, null) ??
        parseJson<Content | null>(decision.content_json, null) ??
        (input?.content as Content | undefined) ??
        null;
      if (!final) {
        refuse('the draft has no content to compare with');
        continue;
      }
      const pageContent = r.kind === 'placement' ? r.pageContent : r.content;
      if (pageContent && 'subject' in final !== 'subject' in pageContent) {
        refuse('the content does not have the draft’s shape');
        continue;
      }
      const content = pageContent ? shaped(final, pageContent) : null;
      const edited = content ? !sameContent(final, content) : null;
      await trx
        .insertInto('page_reports')
        .values({
          id: r.id,
          draft_id: r.draftId,
          decision_id: r.decisionId,
          user_id: user.id,
          kind: r.kind,
          reached: r.kind === 'placement' ? r.reached : null,
          reason: r.kind === 'placement' ? (r.reason ?? null) : null,
          end_kind: r.kind === 'end' ? r.end : null,
          content_json: content ? JSON.stringify(content) : null,
          edited_in_page: edited,
          at: r.at,
          received_at: at,
        })
        .execute();
      // An approval whose text was already changed in the page counts as an edit in governance
      // (editedInPage below): the draft's version moves, so the rollups' watermark (issue 16)
      // recounts it, in this transaction.
      if (r.kind === 'placement' && edited === true)
        await trx.updateTable('drafts').set({ version: versions.next() }).where('id', '=', r.draftId).execute();
      if (r.kind === 'end' && (r.end === 'sent' || r.end === 'saved') && content) {
        const already = await trx
          .selectFrom('draft_sent')
          .select('draft_id')
          .where('draft_id', '=', r.draftId)
          .executeTakeFirst();
        if (!already) {
          const sent: Sent = {
            content,
            at: r.at,
            editedInPage: edited === true,
            how: r.end,
            ...(edited ? { diff: contentDiff(final, content) } : {}),
          };
          await trx
            .insertInto('draft_sent')
            .values({
              draft_id: r.draftId,
              report_id: r.id,
              user_id: user.id,
              how: r.end,
              content_json: JSON.stringify(content),
              edited_in_page: sent.editedInPage,
              diff: sent.diff ?? null,
              at: r.at,
              received_at: at,
            })
            .execute();
          // The draft changed for whoever collects results by version (GET /v1/drafts?since=).
          await trx
            .updateTable('drafts')
            .set({ version: versions.next(), updated_at: at })
            .where('id', '=', r.draftId)
            .execute();
          await appendAudit(trx, {
            actor: user.id,
            action: sent.editedInPage ? 'draft.sent_edited' : 'draft.sent',
            draftId: r.draftId,
            workflow: draft.workflow,
            original: final,
            final: content,
            detail: { how: r.end, editedInPage: sent.editedInPage },
          });
          // Issue 14: `draft.sent` into the webhooks outbox, in this transaction (it exists exactly
          // when this `sent` committed). The event's draft carries the `sent` just written.
          await enqueueEvent(trx, { type: 'draft.sent', draftId: r.draftId });
        }
      }
      out.push({ id: r.id, status: 'applied' });
    }
    return out;
  });
}

/** Adds site-health counts (summed per site × selector version × part × day). */
export async function recordSiteHealth(store: Store, counts: HealthCount[]): Promise<number> {
  await store.db.transaction().execute(async (trx) => {
    for (const c of counts) {
      const row = await trx
        .selectFrom('site_health')
        .selectAll()
        .where('site', '=', c.site)
        .where('selector_version', '=', c.selectorVersion)
        .where('part', '=', c.part)
        .where('day', '=', c.day)
        .executeTakeFirst();
      if (row)
        await trx
          .updateTable('site_health')
          .set({
            count: Number(row.count) + c.count,
            first_at: c.firstAt < row.first_at ? c.firstAt : row.first_at,
            last_at: c.lastAt > row.last_at ? c.lastAt : row.last_at,
          })
          .where('site', '=', c.site)
          .where('selector_version', '=', c.selectorVersion)
          .where('part', '=', c.part)
          .where('day', '=', c.day)
          .execute();
      else
        await trx
          .insertInto('site_health')
          .values({
            site: c.site,
            selector_version: c.selectorVersion,
            part: c.part,
            day: c.day,
            count: c.count,
            first_at: c.firstAt,
            last_at: c.lastAt,
          })
          .execute();
    }
  });
  return counts.length;
}

const SITE_NAMES: Record<string, string> = {
  gmail: 'Gmail',
  outlook: 'Outlook',
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  pipedrive: 'Pipedrive',
  other: 'Other site',
};
const PART_WORDS: Record<string, string> = {
  compose: 'compose not recognised',
  recipients: 'recipients not read',
  subject: 'subject field not found',
  body: 'body editor not found',
  record: 'record id not read',
  fields: 'record fields not found',
  send: 'send button not found',
};

/** "Outlook: compose not recognised 37 times today (since 14:05)". */
export function healthMessage(site: string, part: string, count: number, firstAt: string, today: boolean): string {
  const since = new Date(firstAt);
  const hhmm = `${String(since.getUTCHours()).padStart(2, '0')}:${String(since.getUTCMinutes()).padStart(2, '0')}`;
  const when = today ? `today (since ${hhmm})` : `since ${firstAt.slice(0, 10)} ${hhmm} UTC`;
  return `${SITE_NAMES[site] ?? site}: ${PART_WORDS[part] ?? `${part} missing`} ${count} time${count === 1 ? '' : 's'} ${when}`;
}

/** `GET /v1/page-health`: site health since `since`, and whether approved text reached the page. */
export async function pageHealth(
  store: Store,
  q: { since?: string; workflow?: string },
  now = new Date(),
): Promise<PageHealthOut> {
  const since = q.since ? new Date(q.since).toISOString() : new Date(now.getTime() - 24 * 3600_000).toISOString();
  const today = now.toISOString().slice(0, 10);
  const rows = await store.db
    .selectFrom('site_health')
    .selectAll()
    .where('last_at', '>=', since)
    .orderBy('site')
    .orderBy('part')
    .execute();
  // One line per site × selector version × part, summed over the days in the window.
  const lines = new Map<string, PageHealthOut['sites'][number]>();
  for (const r of rows) {
    const key = `${r.site}|${r.selector_version}|${r.part}`;
    const prev = lines.get(key);
    const count = Number(r.count) + (prev?.count ?? 0);
    const firstAt = prev && prev.firstAt < r.first_at ? prev.firstAt : r.first_at;
    const lastAt = prev && prev.lastAt > r.last_at ? prev.lastAt : r.last_at;
    lines.set(key, {
      site: r.site as PageHealthOut['sites'][number]['site'],
      selectorVersion: r.selector_version,
      part: r.part as PageHealthOut['sites'][number]['part'],
      count,
      firstAt,
      lastAt,
      message: '',
    });
  }
  const sites = [...lines.values()]
    .map((l) => ({
      ...l,
      message: healthMessage(l.site, l.part, l.count, l.firstAt, l.firstAt.slice(0, 10) === today),
    }))
    .sort((a, b) => b.count - a.count);

  let approvals = store.db
    .selectFrom('decisions')
    .innerJoin('drafts', 'drafts.id', 'decisions.draft_id')
    .select(['decisions.id as id', 'decisions.draft_id as draftId'])
    .where('decisions.status', '=', 'applied')
    .where('decisions.action', 'in', ['approve', 'edit'])
    .where('decisions.decided_at', '>=', since);
  if (q.workflow) approvals = approvals.where('drafts.workflow', '=', q.workflow);
  const approved = await approvals.execute();
  const ids = approved.map((a) => a.id);
  const reach = new Map<string, boolean>();
  for (let i = 0; i < ids.length; i += 500) {
    const reps = await store.db
      .selectFrom('page_reports')
      .select(['decision_id', 'reached'])
      .where('kind', '=', 'placement')
      .where('decision_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of reps) reach.set(r.decision_id, reach.get(r.decision_id) === true || r.reached === true);
  }
  const draftIds = [...new Set(approved.map((a) => a.draftId))];
  const sent = await sentFor(store.db, draftIds);
  let reached = 0;
  let notReached = 0;
  for (const id of ids) {
    const r = reach.get(id);
    if (r === true) reached++;
    else if (r === false) notReached++;
  }
  return {
    since,
    sites,
    approvals: {
      total: ids.length,
      reached,
      notReached,
      unknown: ids.length - reached - notReached,
      sent: sent.size,
      editedInPage: [...sent.values()].filter((s) => s.editedInPage).length,
    },
  };
}

/**
 * Drafts edited in the page (sent or saved with other content, or already changed in the page when
 * approved), for governance: every metric treats them as edited, not approved unchanged.
 */
export async function editedInPage(
  db: Kysely<Database>,
  dialect: Dialect,
  draftIds: readonly string[],
): Promise<Map<string, Content | null>> {
  const out = new Map<string, Content | null>();
  if (draftIds.length === 0) return out;
  // The ids as one parameter (store/fast.ts idIn): two statements whatever their number.
  const sent = await db
    .selectFrom('draft_sent')
    .select(['draft_id', 'content_json'])
    .where(idIn(dialect, 'draft_id', draftIds))
    .where('edited_in_page', '=', true)
    .execute();
  for (const s of sent) out.set(s.draft_id, parseJson<Content | null>(s.content_json, null));
  const placed = await db
    .selectFrom('page_reports')
    .select(['draft_id', 'content_json'])
    .where(idIn(dialect, 'draft_id', draftIds))
    .where('kind', '=', 'placement')
    .where('edited_in_page', '=', true)
    .execute();
  for (const p of placed)
    if (!out.has(p.draft_id)) out.set(p.draft_id, parseJson<Content | null>(p.content_json, null));
  return out;
}
