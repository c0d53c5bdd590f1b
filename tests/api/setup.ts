import { afterAll } from 'vitest';
import { deferPgDrops, settlePgDrops } from '../helpers/server';

// PostgreSQL test databases are dropped in the background while the file's next tests run; the file
// ends once every drop has (tests/helpers/server.ts).
deferPgDrops();
afterAll(settlePgDrops);
