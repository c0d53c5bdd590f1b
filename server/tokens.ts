import { createHash, randomBytes } from 'node:crypto';
import {
  type Role,
  Role as RoleSchema,
  type Specialty,
  Specialty as SpecialtySchema,
  UserId,
} from '../lib/shared/schema';
import { appendAudit } from './audit';
import type { Store } from './store';

/** SHA-256 hex of a token: the only form in which tokens are stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreateTokenInput {
  user: string;
  role: Role;
  name?: string;
  specialty?: Specialty | Specialty[];
  /** Who asked for it (audit log); the CLI uses "cli". */
  actor?: string;
}

export interface CreatedToken {
  token: string;
  id: string;
  userId: string;
}

/**
 * Creates the user if new (updating role, name and specialties otherwise) and issues a fresh token:
 * 32 random bytes (256 bits), prefixed so it is recognisable in a secret scanner.
 */
export async function createToken(store: Store, input: CreateTokenInput): Promise<CreatedToken> {
  const userId = UserId.parse(input.user);
  const role = RoleSchema.parse(input.role);
  const specialties = (
    input.specialty === undefined ? [] : Array.isArray(input.specialty) ? input.specialty : [input.specialty]
  ).map((s) => SpecialtySchema.parse(s));
  const token = `cs_${randomBytes(32).toString('base64url')}`;
  const id = `tok_${randomBytes(6).toString('hex')}`;
  const now = new Date().toISOString();
  await store.write(async (trx) => {
    const existing = await trx.selectFrom('users').select(['id', 'name']).where('id', '=', userId).executeTakeFirst();
    if (existing) {
      await trx
        .updateTable('users')
        .set({
          role,
          name: input.name ?? existing.name,
          ...(specialties.length ? { specialties_json: JSON.stringify(specialties) } : {}),
        })
        .where('id', '=', userId)
        .execute();
    } else {
      await trx
        .insertInto('users')
        .values({
          id: userId,
          name: input.name ?? userId,
          role,
          specialties_json: JSON.stringify(specialties),
          created_at: now,
        })
        .execute();
    }
    await trx
      .insertInto('tokens')
      .values({ id, user_id: userId, hash: hashToken(token), name: input.name ?? null, created_at: now })
      .execute();
    await appendAudit(trx, {
      actor: input.actor ?? 'cli',
      action: 'token.create',
      detail: { tokenId: id, userId, role, specialties },
    });
  });
  // After the commit: a lookup in between would otherwise cache the user's old role again.
  forgetTokens(store);
  return { token, id, userId };
}

/** Revokes by token id (`tok_…`) or by the token itself. Returns false when nothing matched. */
export async function revokeToken(store: Store, tokenOrId: string, actor = 'cli'): Promise<boolean> {
  const now = new Date().toISOString();
  const found = await store.write(async (trx) => {
    const row = await trx
      .selectFrom('tokens')
      .select(['id', 'user_id', 'revoked_at'])
      .where((eb) => eb.or([eb('id', '=', tokenOrId), eb('hash', '=', hashToken(tokenOrId))]))
      .executeTakeFirst();
    if (!row) return false;
    if (!row.revoked_at) await trx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', row.id).execute();
    await appendAudit(trx, { actor, action: 'token.revoke', detail: { tokenId: row.id, userId: row.user_id } });
    return true;
  });
  // After the commit, so no lookup can read the token as still valid and cache that again.
  if (found) forgetTokens(store);
  return found;
}

export interface AuthUser {
  id: string;
  name: string;
  role: Role;
  specialties: Specialty[];
  tokenId: string;
}

/**
 * How long a token → person lookup is reused without asking the database. A revocation (or a role
 * change) made through this process's store empties the cache at once (`forgetTokens`); one made
 * by another process (the CLI against the same database) takes effect within this time.
 */
export const TOKEN_CACHE_MS = 2_000;
const TOKEN_CACHE_MAX = 10_000;

interface TokenCache {
  entries: Map<string, { user: AuthUser; until: number }>;
  /** Bumped by every `forgetTokens`: a lookup that started before it does not fill the cache. */
  generation: number;
}
const tokenCaches = new WeakMap<Store, TokenCache>();

/** Drops every cached lookup of `store` (after a revocation or a change of a user's role). */
export function forgetTokens(store: Store): void {
  const cache = tokenCaches.get(store);
  if (!cache) return;
  cache.entries.clear();
  cache.generation++;
}

/** The person behind a token, or null for an unknown or revoked one (cached briefly, see TOKEN_CACHE_MS). */
export async function lookupToken(store: Store, token: string): Promise<AuthUser | null> {
  const hash = hashToken(token);
  let cache = tokenCaches.get(store);
  if (!cache) {
    cache = { entries: new Map(), generation: 0 };
    tokenCaches.set(store, cache);
  }
  const now = Date.now();
  const hit = cache.entries.get(hash);
  if (hit && hit.until > now) return hit.user;
  const generation = cache.generation;
  const user = await readToken(store, hash);
  // Unknown tokens are not kept (they would only let garbage fill the cache).
  if (user && cache.generation === generation) {
    if (cache.entries.size >= TOKEN_CACHE_MAX) cache.entries.clear();
    cache.entries.set(hash, { user, until: now + TOKEN_CACHE_MS });
  }
  return user;
}

async function readToken(store: Store, hash: string): Promise<AuthUser | null> {
  const row = await store.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select([
      'tokens.id as tokenId',
      'tokens.revoked_at',
      'users.id',
      'users.name',
      'users.role',
      'users.specialties_json',
    ])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();
  if (!row || row.revoked_at) return null;
  const role = RoleSchema.safeParse(row.role);
  if (!role.success) return null;
  const specialties = SpecialtySchema.array().catch([]).parse(JSON.parse(row.specialties_json));
  return { id: row.id, name: row.name, role: role.data, specialties, tokenId: row.tokenId };
}
