import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets. The server must sign with the secret, so it keeps it (a hash would not
 * do). With a server key configured (`COUNTERSIGN_WEBHOOK_KEY`, any long random string) secrets are
 * sealed with AES-256-GCM under a key derived from it, so a copy of the database alone does not
 * reveal them; without one they are stored as they are (marked `plain:`), and the server logs a
 * warning when it creates one. Changing or losing the key makes the sealed secrets unusable
 * (deliveries then fail with "cannot open the signing secret"); create the subscriptions again.
 */
export const WEBHOOK_KEY_ENV = 'COUNTERSIGN_WEBHOOK_KEY';

/** A fresh secret in Standard Webhooks form: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function keyBytes(key: string): Buffer {
  return createHash('sha256').update(`countersign-webhooks:${key}`).digest();
}

/** The configured server key, if any. */
export function serverKey(): string | undefined {
  const k = process.env[WEBHOOK_KEY_ENV]?.trim();
  return k ? k : undefined;
}

/** What is stored for `secret`: `v1:<iv>:<tag>:<ciphertext>` (base64) with a key, else `plain:<secret>`. */
export function sealSecret(secret: string, key = serverKey()): string {
  if (!key) return `plain:${secret}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyBytes(key), iv);
  const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
}

/** The secret back from what was stored; throws when it is sealed and the key is missing or wrong. */
export function openSecret(stored: string, key = serverKey()): string {
  if (stored.startsWith('plain:')) return stored.slice('plain:'.length);
  const [v, iv, tag, ct] = stored.split(':');
  if (v !== 'v1' || !iv || !tag || !ct) throw new Error('unknown sealed secret format');
  if (!key) throw new Error(`the signing secret is sealed and ${WEBHOOK_KEY_ENV} is not set`);
  const decipher = createDecipheriv('aes-256-gcm', keyBytes(key), Buffer.from(iv, 'base64'));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
}
