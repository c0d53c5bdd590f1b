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

export const AuditOut = z.object({ entries: z.array(AuditEntry), cursor: z.string().nullable() });
export type AuditOut = z.infer<typeof AuditOut>;
