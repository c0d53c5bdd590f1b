import { browser } from 'wxt/browser';
import { type ApiClient, ApiError, createApiClient } from '../shared/api-client';
import { splitForContext } from '../shared/match';
import { draftViewPath, isOpenPageOf } from '../shared/open-link';
import type { Decision } from '../shared/schema';
import type { QueueItem } from '../shared/schema/protocol';
import { MATCHING_LIMIT, MessagingError, OTHERS_LIMIT } from '../shared/schema/protocol';
import { connect as connectToServer, disconnect as forgetConnection } from './connect';
import {
  type CountersignDb,
  cancelHeldDecision,
  dismissAttention,
  fullItem,
  getMeta,
  latestLocalDecision,
  listQueueHeads,
  localDraftCopy,
  type QueueHead,
  RECENT_MS,
  saveDecisionLocally,
} from './db';
import type { SyncEngine } from './engine';
import type { Handlers } from './messaging';
import { syncOpenLinkRegistration } from './open-link';
import { countHealth, savePageReport } from './page-reports';
import { syncSandboxRegistration } from './sandbox';
import { accountKey, type Settings, sameAccount } from './settings';

export interface HandlerDeps {
  engine: SyncEngine;
  withDb: <T>(fn: (db: CountersignDb) => Promise<T>) => Promise<T>;
  getSettings: () => Promise<Settings | null>;
  /** A decision was committed: tell every tab now (issue 3 §8: tabs agree within a second). */
  onSaved: (draftIds: string[]) => void;
  /** Injected in tests; default to the real connect/disconnect (lib/worker/connect.ts) and sandbox registration. */
  connect?: typeof connectToServer;
  disconnect?: typeof forgetConnection;
  syncSandbox?: () => Promise<boolean>;
  syncOpenLink?: (settings: Settings | null) => Promise<boolean>;
  /** Shows an extension page in the sender's tab (or a new one). Default: browser.tabs. */
  showPage?: (url: string, tabId: number | undefined) => Promise<void>;
  /** The server API for claims (default: the real client for the settings). */
  makeClient?: (settings: Settings) => ApiClient;
}

/** The item without its claim fields (the panel shows only other people's claims). */
function withoutClaim(i: QueueItem): QueueItem {
  const { claimedBy: _b, claimedUntil: _u, claimedByName: _n, ...draft } = i.draft;
  return { ...i, draft: draft as QueueItem['draft'] };
}

/** `heads` with the drafts another person holds a live claim on moved to the end (stable). */
export function claimedLast<T extends { raw: unknown }>(heads: T[], me: string | null, now: number): T[] {
  const held = (h: T) => {
    const d = h.raw as { claimedBy?: unknown; claimedUntil?: unknown } | null;
    return (
      !!d &&
      typeof d.claimedBy === 'string' &&
      d.claimedBy !== me &&
      typeof d.claimedUntil === 'string' &&
      Date.parse(d.claimedUntil) > now
    );
  };
  const free = heads.filter((h) => !held(h));
  return free.length === heads.length ? heads : [...free, ...heads.filter(held)];
}

async function showPage(url: string, tabId: number | undefined): Promise<void> {
  if (tabId !== undefined) await browser.tabs.update(tabId, { url });
  else await browser.tabs.create({ url });
}

/** The worker's answers to the typed requests of lib/shared/schema/protocol.ts. */
export function createHandlers(deps: HandlerDeps): Handlers {
  async function save(decision: Decision, sendAfter?: string) {
    const settings = await deps.getSettings();
    if (!settings) throw new MessagingError('not_connected', 'Not connected to a Countersign server');
    const hold = sendAfter ? new Date(sendAfter) : null;
    const { created, row } = await deps.withDb((db) =>
      saveDecisionLocally(db, decision, accountKey(settings), new Date(), hold),
    );
    // The reply below goes out only after the commit above; the push runs on its own (a held
    // decision is skipped by the push, which schedules itself for the moment it is due).
    if (created) deps.onSaved([decision.draftId]);
    if (created || row?.sendAfter === null) deps.engine.syncSoon('write');
    return { saved: true as const, decisionId: decision.id };
  }

  return {
    async getDrafts({ context }) {
      const now = Date.now();
      // Highest priority first (the server's comparator): `others` in queue order, `matching` ties too.
      const settings = await deps.getSettings();
      const me = settings?.user.id ?? null;
      // Drafts someone else is reviewing right now go last (contract v1.1 "Claims"), order kept otherwise.
      const heads = claimedLast(await deps.withDb((db) => listQueueHeads(db, now)), me, now);
      const view = splitForContext(heads, context, OTHERS_LIMIT, MATCHING_LIMIT);
      const recent = ((await deps.withDb((db) => getMeta(db, 'recent'))) ?? []).filter(
        (r) => r.byId !== me && now - Date.parse(r.at) < RECENT_MS,
      );
      // Only what is returned is parsed in full.
      const full = (xs: QueueHead[]) =>
        xs
          .map((h) => fullItem(h, now))
          .filter((i): i is QueueItem => i !== null)
          .map((i) => (i.draft.claimedBy && i.draft.claimedBy === me ? withoutClaim(i) : i));
      return {
        matching: full(view.matching),
        matchingTotal: view.matchingTotal,
        others: full(view.others),
        othersTotal: view.othersTotal,
        status: await deps.engine.status(),
        recent,
      };
    },
    saveDecision: ({ decision, sendAfter }) => save(decision, sendAfter),
    async cancelDecision({ decisionId }) {
      const cancelled = await deps.withDb((db) => cancelHeldDecision(db, decisionId));
      if (cancelled) deps.onSaved([]);
      return { cancelled };
    },
    async claim({ draftId, hold }) {
      const s = await deps.getSettings();
      if (!s) throw new MessagingError('not_connected', 'Not connected to a Countersign server');
      const client = (deps.makeClient ?? ((x: Settings) => createApiClient({ baseUrl: x.serverUrl, token: x.token })))(
        s,
      );
      try {
        if (!hold) {
          await client.call('releaseClaim', { params: { id: draftId } });
          return { held: false, heldBy: null, until: null };
        }
        const r = await client.call('claim', { params: { id: draftId } });
        return { held: true, heldBy: null, until: r.until };
      } catch (err) {
        // Someone else holds it (409 names them), or the server cannot be reached: a claim is a
        // courtesy to others, never a condition for deciding, so the person carries on either way.
        if (err instanceof ApiError && err.status === 409) return { held: false, heldBy: err.message, until: null };
        return { held: false, heldBy: null, until: null };
      }
    },
    getStatus: () => deps.engine.status(),
    async syncNow() {
      await deps.engine.sync('manual');
      return deps.engine.status();
    },
    async dismissProblem({ key }) {
      await deps.withDb((db) => dismissAttention(db, key));
      deps.onSaved([]);
      return deps.engine.status();
    },
    async getConnection() {
      const s = await deps.getSettings();
      return s ? { serverUrl: s.serverUrl, user: s.user, connectedAt: s.connectedAt } : null;
    },
    async connect({ serverUrl, token }) {
      const result = await (deps.connect ?? connectToServer)(serverUrl, token);
      if (!result.ok) return result;
      const { serverUrl: url, user, connectedAt } = result.settings;
      return { ok: true as const, connection: { serverUrl: url, user, connectedAt } };
    },
    async disconnect() {
      await (deps.disconnect ?? forgetConnection)();
      return { disconnected: true as const };
    },
    async getApiAccess() {
      const s = await deps.getSettings();
      if (!s) throw new MessagingError('not_connected', 'Not connected: open the options page and connect to a server');
      return { serverUrl: s.serverUrl, token: s.token };
    },
    async reportPage({ report }) {
      const settings = await deps.getSettings();
      if (!settings) throw new MessagingError('not_connected', 'Not connected to a Countersign server');
      const created = await deps.withDb((db) => savePageReport(db, report, accountKey(settings)));
      if (created) deps.engine.syncSoon('write');
      return { saved: true as const };
    },
    async reportHealth({ site, selectorVersion, parts }) {
      const counted = await deps.withDb((db) => countHealth(db, site, selectorVersion, parts));
      // Goes out with the next sync; not urgent (a pending backoff is kept).
      deps.engine.syncSoon('retry');
      return { counted };
    },
    async syncSandbox() {
      return { on: await (deps.syncSandbox ?? syncSandboxRegistration)() };
    },
    async syncOpenLink() {
      return { on: await (deps.syncOpenLink ?? syncOpenLinkRegistration)(await deps.getSettings()) };
    },
    async getLocalDecision({ draftId }) {
      const s = await deps.getSettings();
      if (!s) return { local: null };
      const mine = accountKey(s);
      return { local: await deps.withDb((db) => latestLocalDecision(db, draftId, (a) => sameAccount(a, mine))) };
    },
    async getLocalDraft({ draftId }) {
      const s = await deps.getSettings();
      if (!s) return { draft: null, syncedAt: null };
      const copy = await deps.withDb((db) => localDraftCopy(db, draftId, accountKey(s)));
      return copy ?? { draft: null, syncedAt: null };
    },
    async openDraft({ draftId }, sender) {
      // Only the /open page of the server this person is connected to hands over (the content script
      // is registered there alone; checked again here, port and path included). It only shows the
      // draft: the person decides in the dashboard.
      const s = await deps.getSettings();
      if (!s) throw new MessagingError('not_connected', 'Not connected to a Countersign server');
      if (!sender.url || isOpenPageOf(sender.url, s.serverUrl) !== draftId)
        throw new MessagingError('forbidden_sender', "Only your Countersign server's /open page opens a draft");
      const url = browser.runtime.getURL(draftViewPath(draftId) as '/dashboard.html');
      await (deps.showPage ?? showPage)(url, sender.tab?.id);
      return { opened: true as const };
    },
  };
}
