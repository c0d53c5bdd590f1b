/**
 * The demo workspace `npm start` creates on first start (issue 5): the people of `DEMO_USERS`,
 * the three demo workflows with their policies, and at least 60 drafts from the seeded generator.
 *
 * Everything goes through the public API (drafts, workflow policies) except user/token creation,
 * which is the CLI's job and uses the same `createToken`. A second start finds the workspace
 * (the demo admin exists and the demo drafts are there) and changes nothing.
 *
 * Tokens are stored only as hashes, so to print them at every start the demo keeps its own
 * tokens in a local file (`demo-tokens.json` beside the SQLite file, mode 0600, git-ignored). A token
 * in that file that no longer works (revoked, or the file belongs to another database) is replaced by
 * a fresh one, and that user's other tokens are revoked.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import type { DraftIn } from '../../lib/shared/schema';
import { writeHistory } from '../service/governance';
import type { Store } from '../store';
import { createToken, lookupToken, revokeToken } from '../tokens';
import { DEMO_POLICIES, DEMO_USERS, DEMO_WORKFLOWS, type DemoUser, generateDrafts } from './index';
import { postDrafts, summarizeRoutes } from './post';

export const DEFAULT_TOKEN_FILE = './data/demo-tokens.json';

/**
 * Where the demo tokens of a database are kept: beside the SQLite file (so another database file
 * gets its own tokens), else ./data/demo-tokens.json.
 */
export function tokenFileFor(databaseUrl: string | undefined): string {
  const url = databaseUrl?.trim();
  if (url?.startsWith('sqlite:') && url !== 'sqlite::memory:') {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return join(dirname(path), 'demo-tokens.json');
  }
  return DEFAULT_TOKEN_FILE;
}
export const DEMO_SEED = 'countersign-demo';
/** Drafts in the demo workspace (issue 5: at least 60). */
export const DEMO_DRAFT_COUNT = 72;
/** Reviewed drafts per workflow written as the last 30 days' history, so the governance dashboard has data. */
export const DEMO_HISTORY: Record<(typeof DEMO_WORKFLOWS)[number], number> = {
  // Enough clean high-confidence drafts for a recommendation at the 2% target (Clopper-Pearson bound).
  'outbound-email': 600,
  'crm-enrichment': 300,
  'inbound-reply': 300,
};

/**
 * How often the demo model is right at confidence c, per workflow: outbound email is calibrated and
 * never wrong in its top band (so it has earned a recommendation), CRM enrichment is overconfident (its calibration page has something to show), inbound replies a
 * little underconfident.
 */
const HISTORY_TRUTH: Record<(typeof DEMO_WORKFLOWS)[number], (c: number) => number> = {
  'outbound-email': (c) => (c >= 0.95 ? 1 : c),
  'crm-enrichment': (c) => Math.max(0, c - 0.12 * c * c),
  'inbound-reply': (c) => Math.min(1, c + 0.04),
};

export interface SeedOptions {
  store: Store;
  /** Base URL of the running server the drafts and policies are posted to. */
  url: string;
  tokenFile?: string;
  count?: number;
  now?: Date;
  /** Drafts written to match the sandbox pages' records (so the panel has something for the page in front of you). */
  extraDrafts?: DraftIn[];
  fetch?: typeof fetch;
}

export interface SeededUser extends DemoUser {
  token: string;
}

export interface SeedResult {
  /** false = an existing demo workspace was found and reused. */
  created: boolean;
  users: SeededUser[];
  /** Users whose token had to be minted at this start (all of them on first start). */
  mintedFor: string[];
  tokenFile: string;
  drafts: { posted: number; total: number; routes: Record<string, number> };
  /** Reviewed drafts written as history on first start (0 afterwards). */
  history: number;
  /** Things that did not stop the seed but a person should know. */
  warnings: string[];
}

const TokenFile = z.object({ tokens: z.record(z.string(), z.string()) });

function readTokenFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  try {
    return TokenFile.parse(JSON.parse(readFileSync(path, 'utf8'))).tokens;
  } catch {
    return {};
  }
}

function writeTokenFile(path: string, tokens: Record<string, string>) {
  mkdirSync(dirname(path), { recursive: true });
  const note = 'Demo access tokens for this machine only (npm start). Delete this file to mint new ones.';
  writeFileSync(path, `${JSON.stringify({ note, tokens }, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode only applies when it creates the file.
  chmodSync(path, 0o600);
}

/** Reads the demo token of `userId` from the token file, if there is one (used by the CLI's defaults). */
export function demoToken(userId: string, tokenFile = tokenFileFor(process.env.DATABASE_URL)): string | undefined {
  return readTokenFile(tokenFile)[userId];
}

async function countDemoDrafts(store: Store, prefix: string): Promise<number> {
  const row = await store.db
    .selectFrom('drafts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('external_id', 'like', `${prefix}-%`)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Creates the demo workspace, or finds it and makes sure its tokens work. Idempotent. */
export async function seedDemo(opts: SeedOptions): Promise<SeedResult> {
  const { store } = opts;
  const f = opts.fetch ?? fetch;
  const base = opts.url.replace(/\/+$/, '');
  const tokenFile = opts.tokenFile ?? DEFAULT_TOKEN_FILE;
  const count = opts.count ?? DEMO_DRAFT_COUNT;

  const adminRow = await store.db.selectFrom('users').select('id').where('id', '=', 'demo-admin').executeTakeFirst();
  const existed = adminRow !== undefined;

  // Tokens: reuse what the file holds when it still authenticates as the right user.
  const saved = readTokenFile(tokenFile);
  const tokens: Record<string, string> = {};
  const mintedFor: string[] = [];
  for (const u of DEMO_USERS) {
    const old = saved[u.id];
    const who = old ? await lookupToken(store, old) : null;
    if (old && who?.id === u.id && who.role === u.role) {
      tokens[u.id] = old;
      continue;
    }
    // A demo token nobody can print any more (the file was deleted or belongs to another database)
    // should not stay valid: the seed's earlier tokens for this user are revoked when a new one is made.
    const earlier = await store.db
      .selectFrom('tokens')
      .select('id')
      .where('user_id', '=', u.id)
      .where('revoked_at', 'is', null)
      .execute();
    const created = await createToken(store, {
      user: u.id,
      role: u.role,
      name: u.name,
      ...(u.specialty ? { specialty: u.specialty } : {}),
      actor: 'demo-seed',
    });
    for (const t of earlier) await revokeToken(store, t.id, 'demo-seed');
    tokens[u.id] = created.token;
    mintedFor.push(u.id);
  }
  if (mintedFor.length > 0) writeTokenFile(tokenFile, tokens);
  const users = DEMO_USERS.map((u) => ({ ...u, token: tokens[u.id]! }));
  const adminToken = tokens['demo-admin']!;
  const pipelineToken = tokens['demo-pipeline']!;

  // Policies: only on first start, so a person's later changes to them are kept.
  const warnings: string[] = [];
  if (!existed) {
    for (const wf of DEMO_WORKFLOWS) {
      const res = await f(`${base}/v1/workflows/${wf}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(DEMO_POLICIES[wf]),
      });
      // A server without the workflows endpoint still gets a usable demo (default policies).
      if (res.status === 404) warnings.push(`could not set the ${wf} policy (404); it keeps the defaults`);
      else if (!res.ok) throw new Error(`could not set the ${wf} policy: ${res.status} ${await res.text()}`);
    }
  }

  // History: settled drafts of the last 30 days with their decisions and some audit outcomes, written
  // straight into the store (governance's writeHistory), so calibration, recommendations and reviewer
  // metrics have something to show on the first start. Only on creation: it is not idempotent.
  let history = 0;
  if (!existed) {
    const now = (opts.now ?? new Date()).getTime();
    const day = 86_400_000;
    for (const [i, wf] of DEMO_WORKFLOWS.entries()) {
      const past = generateDrafts({
        count: DEMO_HISTORY[wf],
        seed: `${DEMO_SEED}-history-${wf}`,
        workflow: wf,
        now: new Date(now - 15 * day),
        idPrefix: `demo-history-${wf}`,
      });
      const items = syntheticItems({
        n: past.length,
        seed: 5001 + i,
        confidences: past.map((d) => d.confidence),
        accuracy: HISTORY_TRUTH[wf],
        workflow: wf,
        start: new Date(now - 30 * day).toISOString(),
        days: 29,
        outcomeRate: 0.05,
        reviewers: DEMO_USERS.filter((u) => u.role === 'reviewer').map((u) => u.id),
        modelVersion: past[0]?.model?.version ?? 'demo',
      });
      await writeHistory(store, items, past);
      history += items.length;
    }
  }

  // Drafts: posted when some are missing (first start, or a first start that was interrupted).
  // Posting is idempotent on externalId, so drafts already there are not duplicated.
  const prefix = `demo-${DEMO_SEED}`;
  const drafts = [
    ...(opts.extraDrafts ?? []),
    ...generateDrafts({ count, seed: DEMO_SEED, now: opts.now ?? new Date(), idPrefix: prefix }),
  ];
  const have = await countDemoDrafts(store, prefix);
  let routes: Record<string, number> = {};
  let posted = 0;
  if (have < count || !existed) {
    const results = await postDrafts({ url: base, token: pipelineToken, drafts, fetch: f });
    routes = summarizeRoutes(results);
    posted = drafts.length;
  }
  return {
    created: !existed,
    users,
    mintedFor,
    tokenFile,
    drafts: { posted, total: await countDemoDrafts(store, 'demo'), routes },
    history,
    warnings,
  };
}
