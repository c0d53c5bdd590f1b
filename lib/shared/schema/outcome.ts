import { z } from 'zod';
import { LIMITS } from './common';

export const OutcomeSource = z.enum(['audit', 'customer', 'qa']);

export const Outcome = z.strictObject({
  draftId: z.string().min(1).max(LIMITS.id),
  correct: z.boolean(),
  source: OutcomeSource,
  note: z.string().max(LIMITS.text).optional(),
});
export type Outcome = z.infer<typeof Outcome>;

export const OutcomesIn = z.strictObject({ outcomes: z.array(Outcome).min(1).max(LIMITS.outcomesPerPost) });
export type OutcomesIn = z.infer<typeof OutcomesIn>;

export const OutcomesOut = z.object({
  results: z.array(z.object({ draftId: z.string(), status: z.enum(['recorded', 'not_found']) })),
});
export type OutcomesOut = z.infer<typeof OutcomesOut>;
