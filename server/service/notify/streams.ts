import type { Store } from '../../store';
import type { AuthUser } from '../../tokens';
import { couldSee, type DraftRow } from '../views';

/** A comment line at least this often (contract: at least every 25 s), so proxies keep the connection. */
export const HEARTBEAT_MS = 20_000;
/** A stream is closed after this long; the client reconnects (and its token is checked again). */
export const MAX_STREAM_MS = 30 * 60_000;
/** More changed rows than this since the last look: every stream is told, without looking closer. */
const SCAN_LIMIT = 5_000;

/** What deciding "did this change touch the caller's queue?" reads of a changed draft. */
const RELEVANCE_COLUMNS = [
  'id',
  'version',
  'queue',
  'assignee',
  'prev_queue',
  'prev_assignee',
  'decided_by',
  'queue_history_json',
] as const;
type RelevanceRow = Pick<DraftRow, (typeof RELEVANCE_COLUMNS)[number]>;

export interface StreamSubscriber {
  user: AuthUser;
  /** The caller's queue changed; the newest committed version is `version`. */
  changed(version: number): void;
  heartbeat(): void;
  /** The server is stopping: end the stream. */
  close(): void;
}

/**
 * The live streams of one store (one process): one subscription to the change feed for all of them.
 * On each new version it reads the drafts changed since the last look once (a few columns, by the
 * version index), and tells each stream whose caller could see one of them — a change to a draft a
 * person never could see sends them nothing. A claim is a change like a decision (service/claims.ts),
 * so it travels the same way.
 */
export class StreamHub {
  private readonly subs = new Set<StreamSubscriber>();
  private last = -1;
  private off: (() => void) | undefined;
  private busy = false;
  private again = false;
  private heart: NodeJS.Timeout | undefined;
  private starting: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: Store) {}

  get size(): number {
    return this.subs.size;
  }

  /** Resolves once the hub listens to the change feed. */
  ready(): Promise<void> {
    this.starting ??= this.start();
    return this.starting;
  }

  /** Adds a stream (after `ready()`: every commit from then on is looked at for it). */
  add(sub: StreamSubscriber): () => void {
    if (this.closed) throw new Error('the server is stopping');
    this.subs.add(sub);
    void this.ready();
    return () => this.remove(sub);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private remove(sub: StreamSubscriber) {
    this.subs.delete(sub);
  }

  private async start() {
    const feed = this.store.changes;
    await feed.ready();
    this.last = feed.version;
    this.off = feed.subscribe(() => this.kick());
    this.heart = setInterval(() => {
      for (const s of [...this.subs]) s.heartbeat();
    }, HEARTBEAT_MS);
    this.heart.unref();
  }

  private kick() {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void this.scan().finally(() => {
      this.busy = false;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async scan() {
    const target = this.store.changes.version;
    if (target <= this.last || this.subs.size === 0) {
      this.last = Math.max(this.last, target);
      return;
    }
    let rows: RelevanceRow[];
    try {
      rows = await this.store.db
        .selectFrom('drafts')
        .select(RELEVANCE_COLUMNS)
        .where('version', '>', this.last)
        .orderBy('version')
        .limit(SCAN_LIMIT + 1)
        .execute();
    } catch {
      // The database is away: tell everyone (they pull, and pull reports the problem); better a
      // needless pull than a missed change.
      rows = [];
      for (const s of [...this.subs]) s.changed(target);
      this.last = target;
      return;
    }
    const all = rows.length > SCAN_LIMIT;
    const newest = Math.max(target, ...rows.map((r) => Number(r.version)));
    for (const s of [...this.subs]) {
      if (all || rows.some((r) => couldSee(s.user, r))) s.changed(newest);
    }
    this.last = newest;
  }

  /** Ends every stream (the server is stopping; the clients reconnect to another instance). */
  close() {
    this.closed = true;
    this.off?.();
    if (this.heart) clearInterval(this.heart);
    for (const s of [...this.subs]) s.close();
    this.subs.clear();
  }
}

const hubs = new WeakMap<Store, StreamHub>();

/** The hub of `store` (one per store, made on first use). */
export function streamHub(store: Store): StreamHub {
  let hub = hubs.get(store);
  if (!hub) {
    hub = new StreamHub(store);
    hubs.set(store, hub);
  }
  return hub;
}

/** Ends the live streams of `store`, if any (server/main.ts, before it waits for open requests). */
export function closeStreams(store: Store): void {
  hubs.get(store)?.close();
}
