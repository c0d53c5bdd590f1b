import { z } from 'zod';

/**
 * One change in the caller's queue. `upsert` carries the draft as the server has it now
 * (left unparsed here so one malformed draft can be skipped without losing the batch);
 * `remove` says the draft left the caller's queue (settled, or re-routed elsewhere).
 */
export const Change = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), version: z.number().int(), draft: z.unknown() }),
  z.object({
    op: z.literal('remove'),
    version: z.number().int(),
    id: z.string(),
    status: z.string().optional(),
    decidedBy: z.string().nullable().optional(),
    /** Added (issue 15): the display name of `decidedBy`, for "Maya approved this a moment ago". */
    decidedByName: z.string().optional(),
    /** Added: when it was settled. */
    decidedAt: z.string().nullable().optional(),
  }),
]);
export type Change = z.infer<typeof Change>;

export const PullQuery = z.object({
  since: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const PullOut = z.object({ changes: z.array(Change), cursor: z.string(), hasMore: z.boolean() });
export type PullOut = z.infer<typeof PullOut>;
