import { z } from 'zod';
import { LIMITS } from './common';

export const Role = z.enum(['admin', 'pipeline', 'reviewer', 'owner', 'specialist']);
export type Role = z.infer<typeof Role>;

export const Specialty = z.enum(['pricing', 'legal', 'competitor']);
export type Specialty = z.infer<typeof Specialty>;

/** Roles that review drafts (contract: owner and specialist are also reviewers). */
export const REVIEWER_ROLES = ['reviewer', 'owner', 'specialist', 'admin'] as const satisfies readonly Role[];

export const UserId = z
  .string()
  .min(1)
  .max(LIMITS.id)
  .regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');

export const Me = z.object({
  id: UserId,
  name: z.string().max(LIMITS.shortText),
  role: Role,
  specialties: z.array(Specialty),
});
export type Me = z.infer<typeof Me>;
