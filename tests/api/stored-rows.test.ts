import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Draft, PullOut } from '../../lib/shared/schema';
import { jsonLogger } from '../../server/log';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { decision, draftIn, json, postDecisions, postDrafts } from './fixtures';

// A draft row that no longer parses with the output schema (written by an older version, edited
// by hand) must not fail anyone's sync: pull hands it over raw, lists skip it, all with a log line.

describe.each(TEST_DBS)('stored rows that no longer parse on %s', (db) => {
  let server: TestApi;
  let pipeline: string;
  let reviewer: string;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    server = await startTestApp(db, { logger: jsonLogger((l) => logs.push(JSON.parse(l))) });
    pipeline = await server.token('pipeline');
    reviewer = await server.token('reviewer');
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Rewrites a stored draft's input directly in the database, as a new version (a real change). */
  async function corrupt(id: string, inputJson: string) {
    await server.store.write(async (trx, versions) => {
      await trx
        .updateTable('drafts')
        .set({ input_json: inputJson, version: versions.next() })
        .where('id', '=', id)
        .execute();
    });
  }

  it('pull sends a broken row as a raw upsert, queue and lists skip it, each logged once without the body', async () => {
    const secret = 'Zebra crossing notes for Acme';
    const [good, badShape, badJson] = await postDrafts(server, pipeline, [
      draftIn(),
      draftIn({ content: { subject: secret, body: 'Hi Pat,\nA note.\nBest,\nSam' } }),
      draftIn(),
    ]);
    const first = PullOut.parse(await json(server.api('/v1/sync/pull', { token: reviewer })));
    expect(first.changes.map((c) => c.op === 'upsert' && (c.draft as Draft).id).sort()).toEqual(
      [good!.id, badShape!.id, badJson!.id].sort(),
    );

    // An older writer's shape (confidence as text, a field the schema does not know) and a row that is not JSON.
    const stored = await server.store.db
      .selectFrom('drafts')
      .select('input_json')
      .where('id', '=', badShape!.id)
      .executeTakeFirstOrThrow();
    await corrupt(badShape!.id, JSON.stringify({ ...JSON.parse(stored.input_json), confidence: 'high', legacy: 1 }));
    await corrupt(badJson!.id, '{"externalId": "x", "content": ');

    const assertRawUpserts = (page: PullOut) => {
      for (const id of [badShape!.id, badJson!.id]) {
        const change = page.changes.find((c) => c.op === 'upsert' && (c.draft as { id: string }).id === id);
        expect(change, `upsert for ${id}`).toBeTruthy();
        expect(Draft.safeParse((change as { draft: unknown }).draft).success).toBe(false);
      }
      expect(page.changes.some((c) => c.op === 'remove')).toBe(false);
    };
    // With a cursor: the changed rows come as upserts (not removes), the rest of the page is intact.
    const next = await server.api(`/v1/sync/pull?since=${first.cursor}`, { token: reviewer });
    expect(next.status).toBe(200);
    const nextPage = PullOut.parse(await next.json());
    assertRawUpserts(nextPage);
    const shape = nextPage.changes.find((c) => c.op === 'upsert' && (c.draft as Draft).id === badShape!.id) as {
      draft: Record<string, unknown>;
    };
    expect(shape.draft.confidence).toBe('high');
    expect(shape.draft.status).toBe('pending');
    // A first sync: every draft in the queue, the good one parsed.
    const full = await server.api('/v1/sync/pull', { token: reviewer });
    expect(full.status).toBe(200);
    const fullPage = PullOut.parse(await full.json());
    assertRawUpserts(fullPage);
    const goodChange = fullPage.changes.find((c) => c.op === 'upsert' && (c.draft as Draft).id === good!.id)!;
    expect(Draft.safeParse((goodChange as { draft: unknown }).draft).success).toBe(true);

    // The queue and the lists leave the broken rows out instead of failing.
    const q = await server.api('/v1/queue', { token: reviewer });
    expect(q.status).toBe(200);
    const ids = ((await q.json()) as { items: Draft[] }).items.map((d) => d.id);
    expect(ids).toContain(good!.id);
    expect(ids).not.toContain(badShape!.id);
    expect(ids).not.toContain(badJson!.id);
    for (const token of [pipeline, reviewer]) {
      const list = await server.api('/v1/drafts?status=pending', { token });
      expect(list.status).toBe(200);
      const listed = ((await list.json()) as { drafts: Draft[] }).drafts.map((d) => d.id);
      expect(listed).toContain(good!.id);
      expect(listed).not.toContain(badShape!.id);
    }
    // By id: the stored object as it is (like pull), not a 500.
    const one = await server.api(`/v1/drafts/${badJson!.id}`, { token: pipeline });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { id: string; decisions: unknown[] }).id).toBe(badJson!.id);
    // A decision on the unreadable row is rejected; the rest of the batch is applied. So is one on
    // a row that is JSON but whose content is not an object.
    const [noContent] = await postDrafts(server, pipeline, [draftIn()]);
    await corrupt(noContent!.id, JSON.stringify({ externalId: 'y', content: 'just text' }));
    const results = await postDecisions(server, reviewer, [
      decision(badJson!.id),
      decision(noContent!.id),
      decision(good!.id),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'applied']);
    expect(results[1]!.error).toMatch(/cannot be read/);

    // Logged once per broken row (however many reads), with the id and never the content.
    const warned = logs.filter((l) => l.msg === 'stored draft does not parse' && l.draftId !== noContent!.id);
    expect(warned.map((l) => l.draftId).sort()).toEqual([badShape!.id, badJson!.id].sort());
    expect(warned.find((l) => l.draftId === badShape!.id)!.problem).toMatch(/confidence/);
    expect(JSON.stringify(logs)).not.toContain(secret);
    expect(logs.some((l) => l.status === 500)).toBe(false);
  });
});
