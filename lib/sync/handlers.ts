import {
  type CountersignDb,
  dismissAttention,
  fullItem,
  listQueueHeads,
  type QueueHead,
  saveDecisionLocally,
} from '../db';
import type { QueueItem } from '../messaging';
import { type Handlers, MATCHING_LIMIT, MessagingError, OTHERS_LIMIT } from '../messaging';
import type { Decision } from '../schema';
import { accountKey, type Settings } from '../settings';
import type { SyncEngine } from './engine';
import { splitForContext } from './match';

export interface HandlerDeps {
  engine: SyncEngine;
  withDb: <T>(fn: (db: CountersignDb) => Promise<T>) => Promise<T>;
  getSettings: () => Promise<Settings | null>;
  /** A decision was committed: tell every tab now (issue 3 §8: tabs agree within a second). */
  onSaved: (draftIds: string[]) => void;
}

/** The worker's answers to the typed requests of lib/messaging.ts. */
export function createHandlers(deps: HandlerDeps): Handlers {
  async function save(decision: Decision) {
    const settings = await deps.getSettings();
    if (!settings) throw new MessagingError('not_connected', 'Not connected to a Countersign server');
    const { created } = await deps.withDb((db) => saveDecisionLocally(db, decision, accountKey(settings)));
    // The reply below goes out only after the commit above; the push runs on its own.
    if (created) {
      deps.onSaved([decision.draftId]);
      deps.engine.syncSoon('write');
    }
    return { saved: true as const, decisionId: decision.id };
  }

  return {
    async getDrafts({ context }) {
      const now = Date.now();
      // Highest priority first (the server's comparator): `others` in queue order, `matching` ties too.
      const heads = await deps.withDb((db) => listQueueHeads(db, now));
      const view = splitForContext(heads, context, OTHERS_LIMIT, MATCHING_LIMIT);
      // Only what is returned is parsed in full.
      const full = (xs: QueueHead[]) => xs.map((h) => fullItem(h, now)).filter((i): i is QueueItem => i !== null);
      return {
        matching: full(view.matching),
        matchingTotal: view.matchingTotal,
        others: full(view.others),
        othersTotal: view.othersTotal,
        status: await deps.engine.status(),
      };
    },
    saveDecision: ({ decision }) => save(decision),
    escalate: (p) =>
      save({
        id: p.id,
        draftId: p.draftId,
        action: 'escalate',
        decidedAt: p.decidedAt,
        ...(p.note !== undefined && { note: p.note }),
        ...(p.escalateTo !== undefined && { escalateTo: p.escalateTo }),
        ...(p.dwellMs !== undefined && { dwellMs: p.dwellMs }),
      }),
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
  };
}
