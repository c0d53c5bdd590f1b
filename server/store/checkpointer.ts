import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * SQLite WAL checkpoints on a worker thread of their own.
 *
 * In WAL mode a commit only appends pages to the `-wal` file; now and then a checkpoint copies them
 * back into the database file and fsyncs both. By default the connection that commits runs the
 * checkpoint itself, inside its COMMIT, once the WAL passes 1,000 pages: with better-sqlite3 that is
 * the server's event loop, held for the copy and two fsyncs (6–13 ms here, every seventh to ninth
 * batch of decisions). The checkpointer runs them from its own connection on another thread instead,
 * every `intervalMs`; SQLite lets a checkpoint run alongside a writer, so requests never wait for one.
 * Checkpointing every few hundred milliseconds also writes each page once however many commits
 * changed it in between.
 *
 * Under steady writes the WAL only starts over when a checkpoint holds writers off briefly
 * (`RESTART_PAGES`). The request connection keeps its own automatic checkpoint as a backstop, at a
 * threshold the WAL only reaches if this thread stops keeping up (`BACKSTOP_PAGES`).
 */
export const BACKSTOP_PAGES = 16_000;

/**
 * WAL size (pages) at which the thread makes the WAL start over (see the worker); a writer waits
 * for that moment about once every 8,000 pages (32 MB with 4 kB pages), instead of for a whole
 * checkpoint every 1,000.
 */
export const RESTART_PAGES = 8_000;

/**
 * A RESTART is tried once a checkpoint saw at most this many pages committed while it ran (about
 * one batch of 50 decisions): what is left to copy while writers wait is then that little.
 */
const QUIET_PAGES = 128;

/** The worker's source (CommonJS; no TypeScript loader needed on the worker thread). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const message = (e) => (e && e.message ? e.message : String(e));
let db = null;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  // Never waits for a lock: a busy checkpoint is tried again on the next tick.
  db.pragma('busy_timeout = 0');
} catch (e) {
  parentPort.postMessage({ error: message(e) });
  parentPort.close();
}
if (db) {
  let timer = null;
  let stopped = false;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
  const tick = () => {
    try {
      // PASSIVE: copies what it can without waiting for or blocking anyone; the writer's next commit
      // restarts the WAL from its beginning once everything in it has been copied.
      let last = checkpoint('PASSIVE');
      // Under steady writes a commit always lands while a checkpoint runs, so the WAL is never all
      // copied and never restarts. Past restartPages, RESTART holds writers off while it copies
      // what is left and fsyncs, then starts the WAL over. Straight after a long checkpoint that
      // was hundreds of frames (writers waited 20-30 ms); so PASSIVE again until one saw at most
      // quietPages come in while it ran, then RESTART without waiting for the lock. Busy (a
      // writer is in a transaction): it copies like PASSIVE, and is tried again a moment later.
      if (last && last.log >= workerData.restartPages) {
        let grew = Infinity;
        for (let attempt = 0; attempt < 1000; attempt++) {
          const mode = grew <= workerData.quietPages ? 'RESTART' : 'PASSIVE';
          const next = checkpoint(mode);
          if (!next || (mode === 'RESTART' && !next.busy)) break;
          grew = next.log - last.log;
          last = next;
          if (mode === 'RESTART') Atomics.wait(pause, 0, 0, 0.2);
        }
      }
    } catch (e) {
      parentPort.postMessage({ error: message(e) });
    }
    if (!stopped) timer = setTimeout(tick, workerData.intervalMs);
  };
  parentPort.on('message', (m) => {
    if (m !== 'stop') return;
    stopped = true;
    clearTimeout(timer);
    db.close();
    parentPort.close();
  });
  timer = setTimeout(tick, workerData.intervalMs);
}
`;

export interface Checkpointer {
  /** Stops the thread and closes its connection (before the request connection closes). */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Time between checkpoints (default 200 ms). */
  intervalMs?: number;
  /** WAL size, in pages, past which the WAL is made to start over (default `RESTART_PAGES`). */
  restartPages?: number;
}

export function startCheckpointer(
  path: string,
  opts: CheckpointerOptions & { onError?: (message: string) => void } = {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      path,
      driver,
      intervalMs: opts.intervalMs ?? 200,
      restartPages: opts.restartPages ?? RESTART_PAGES,
      quietPages: QUIET_PAGES,
    },
    // Not the parent's loader flags (tsx): the worker is plain CommonJS.
    execArgv: [],
  });
  // Never keeps the process alive by itself.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { error?: string }) => {
    if (m?.error) opts.onError?.(m.error);
  });
  worker.on('error', (e) => opts.onError?.(e.message));
  return {
    async stop() {
      // Held until it has exited: an unref'd worker would let a process with nothing else to do
      // end before the database below it is closed.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
