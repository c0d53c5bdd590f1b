import type pg from 'pg';

/**
 * Ends a connection of our own (the timers' lock session, the change feed's LISTEN, the stall
 * probe) without waiting on the database for longer than `graceMs`.
 *
 * `client.end()` sends Terminate and resolves when the server closes the socket. A database that
 * is frozen or behind a network black hole never does, and the promise never settles: a server
 * stopping would hang on it. After `graceMs` the socket is destroyed instead (what pg itself does
 * to a client with a query in flight); the session ends on the server when it sees the socket
 * gone, releasing what it held (the advisory lock).
 */
export async function endClient(client: pg.Client, graceMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  try {
    if (await Promise.race([ended, late])) return;
    // pg has no public destroy; `connection.stream` is the socket it destroys itself in `end()`.
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  } finally {
    clearTimeout(timer);
  }
}
