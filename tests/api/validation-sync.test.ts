import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { DecisionsIn } from '../../lib/shared/schema';
import { validatedSynchronously } from '../../server/context';

// Route bodies are checked with zod's synchronous parse (server/context.ts); what it accepts,
// rejects and returns is exactly what the schema's own parse does.

describe('validatedSynchronously', () => {
  const good = {
    decisions: [
      { id: crypto.randomUUID(), draftId: 'd1', action: 'approve', decidedAt: new Date().toISOString() },
      {
        id: crypto.randomUUID(),
        draftId: 'd2',
        action: 'reject',
        reasons: ['tone'],
        decidedAt: new Date().toISOString(),
      },
    ],
  };
  const bad = { decisions: [{ id: 'not-a-uuid', draftId: '', action: 'maybe', decidedAt: 'yesterday', extra: 1 }] };

  it('gives the same result as the schema’s own parse, and leaves the shared schema as it was', async () => {
    const copy = validatedSynchronously(DecisionsIn);
    expect(copy).not.toBe(DecisionsIn);
    expect(Object.hasOwn(DecisionsIn, 'safeParseAsync')).toBe(false);
    for (const input of [good, bad, {}, null, 'text']) {
      const mine = await copy.safeParseAsync(input);
      const theirs = await DecisionsIn.safeParseAsync(input);
      expect(mine.success).toBe(theirs.success);
      if (mine.success) expect(mine.data).toEqual(theirs.data);
      else expect(mine.error!.issues).toEqual(theirs.error!.issues);
    }
  });

  it('a schema with an asynchronous check still gets the asynchronous parse', async () => {
    const schema = validatedSynchronously(z.object({ n: z.number().refine(async (n) => n > 1, 'too small') }));
    expect((await schema.safeParseAsync({ n: 2 })).success).toBe(true);
    const small = await schema.safeParseAsync({ n: 1 });
    expect(small.success).toBe(false);
    expect(small.error!.issues[0]!.message).toBe('too small');
  });
});
