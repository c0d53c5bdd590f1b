import Dexie from 'dexie';
import { CountersignDb, DB_NAME } from './schema';

export * from './meta';
export * from './page';
export * from './schema';
export * from './store';

let current: CountersignDb | null = null;

/** The shared database of this context (worker or extension page). */
export function getDb(name = DB_NAME): CountersignDb {
  if (!current || current.name !== name) current = new CountersignDb(name);
  return current;
}

/** Closes and forgets the shared instance (tests, account switch). */
export function resetDb(): void {
  current?.close();
  current = null;
}

function isClosedError(err: unknown): boolean {
  return (
    err instanceof Dexie.DatabaseClosedError ||
    (err instanceof Error && (err.name === 'DatabaseClosedError' || err.name === 'InvalidStateError'))
  );
}

/**
 * Runs `fn` with the database, reopening it once after a `DatabaseClosedError` (docs/toolchain.md:
 * after a worker wake, or when another context upgraded the schema, Dexie's handle can be closed).
 */
export async function withDb<T>(fn: (db: CountersignDb) => Promise<T>, name = DB_NAME): Promise<T> {
  const db = getDb(name);
  try {
    return await fn(db);
  } catch (err) {
    if (!isClosedError(err)) throw err;
    db.close();
    current = new CountersignDb(name);
    await current.open();
    return fn(current);
  }
}
