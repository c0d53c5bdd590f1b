import { z } from 'zod';

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  draftId: z.string().nullable(),
  workflow: z.string().nullable(),
  original: z.unknown().nullable(),
  final: z.unknown().nullable(),
  reasons: z.array(z.string()),
  detail: z.unknown().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `GET /v1/audit` query: entries after a cursor, optionally of one draft. */
export const AuditQuery = z.object({
  since: z.string().max(100).optional().describe('cursor from a previous response'),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  draftId: z.string().max(200).optional(),
});

export const AuditOut = z.object({ entries: z.array(AuditEntry), cursor: z.string().nullable() });
export type AuditOut = z.infer<typeof AuditOut>;
