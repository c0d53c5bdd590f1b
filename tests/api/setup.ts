import { afterAll } from 'vitest';
import { deferPgDrops, settlePgDrops } from '../helpers/server';

// PostgreSQL test databases are dropped in the background while the file's next tests run; the file
// ends once every drop has (tests/helpers/server.ts).
deferPgDrops();
afterAll(settlePgDrops);

// The notification receivers of these tests listen on this machine, which the server refuses by
// default (service/notify/outbound.ts): allowed here as a deployment would allow its own network.
// tests/api/notify-outbound.test.ts checks the default.
process.env.COUNTERSIGN_NOTIFY_ALLOW_HOSTS ??= '127.0.0.1';
