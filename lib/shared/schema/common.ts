import { z } from 'zod';

/** Size limits shared by every schema (issue 2: limits on strings and arrays). */
export const LIMITS = {
  id: 200,
  shortText: 200,
  label: 500,
  text: 20_000,
  snippet: 4_000,
  url: 2_000,
  flags: 20,
  evidence: 50,
  fields: 100,
  reasons: 20,
  draftsPerPost: 500,
  decisionsPerPost: 200,
  outcomesPerPost: 500,
} as const;

export const ShortText = z.string().min(1).max(LIMITS.shortText);
export const IsoDateTime = z.iso.datetime({ offset: true });

/** What a notification link's draft id may be (`GET /open/{id}`; lib/shared/open-link.ts). */
export const OPEN_ID = /^[\w.:-]{1,200}$/;

/** Only http(s) links are accepted anywhere a URL is stored (issue 4: links only http/https). */
export const HttpUrl = z
  .string()
  .max(LIMITS.url)
  .refine((v) => /^https?:\/\//i.test(v), { message: 'must be an http or https URL' });

export const ErrorCode = z.enum([
  'invalid_input',
  'invalid_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'internal',
  /** Added (contract v1.1): the database cannot be reached; 503 with Retry-After. */
  'unavailable',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Health = z.object({ ok: z.literal(true) });
export type Health = z.infer<typeof Health>;
