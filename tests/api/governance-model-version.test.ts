import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proposeGraduation } from '../../lib/shared/policy/autonomy';
import { syntheticItems } from '../../lib/shared/policy/simulate';
import { AutonomyOut } from '../../lib/shared/schema/governance';
import { loadItems, loadPolicy, writeHistory } from '../../server/service/governance';
import { view } from '../../server/service/governance/load';
import { startTestApp, TEST_DBS, type TestApi } from '../helpers/server';
import { draftIn, postDrafts } from './fixtures';

// Issue 16: "A new model version starts a new evidence count for graduation (earlier evidence
// shown, not counted)." The version that counts is the one of the workflow's latest draft.

const WF = 'model-swap';
const DAY = 86_400_000;

describe.each(TEST_DBS)('graduation evidence per model version on %s', (db) => {
  let server: TestApi;
  let admin: string;
  let pipeline: string;

  beforeAll(async () => {
    server = await startTestApp(db);
    admin = await server.token('admin', { user: 'mv-admin' });
    pipeline = await server.token('pipeline', { user: 'mv-pipeline' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const autonomy = async () => {
    const res = await server.api(`/v1/workflows/${WF}/autonomy`, { token: admin });
    expect(res.status).toBe(200);
    // `changes` (the audit log's autonomy changes) is not part of the proposal: none here.
    const { changes, ...proposal } = AutonomyOut.parse(await res.json());
    expect(changes).toEqual([]);
    return proposal;
  };
  /** The same proposal computed the old way (every draft loaded, the pure function), for comparison. */
  const oracle = async () =>
    proposeGraduation(await loadItems(server.store, { workflow: WF }), view(await loadPolicy(server.store, WF)), {
      levelChangedAt: null,
    });

  it('counts only the current model version; a new version earns autonomy again, earlier evidence shown apart', async () => {
    const start = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
    // 150 reviews under m1, almost all approved unchanged: enough to graduate to review_exceptions.
    const m1 = syntheticItems({ n: 150, seed: 31, workflow: WF, start: start(10), days: 5, accuracy: () => 0.97 });
    await writeHistory(server.store, m1);
    const before = await autonomy();
    expect(before.modelVersion).toBe('m1');
    expect(before.earlierEvidence).toBeNull();
    expect(before.proposal?.kind).toBe('graduate');
    expect(before.proposal?.evidence.reviews).toBe(150);

    // The pipeline switches to a new model: one draft of it, through the API.
    const [created] = await postDrafts(server, pipeline, [
      draftIn({ workflow: WF, model: { name: 'acme-writer', version: '2' } }),
    ]);
    expect(created?.status).toBe('pending');
    const after = await autonomy();
    expect(after.modelVersion).toBe('acme-writer@2');
    expect(after.proposal).toBeNull();
    expect(after.blockers).toContain('0 of the 100 reviews needed.');
    // The m1 evidence is still shown, apart, and not counted.
    expect(after.earlierEvidence?.modelVersions).toEqual(['m1']);
    expect(after.earlierEvidence?.evidence.reviews).toBe(150);
    expect(after.earlierEvidence?.evidence.approveUnchangedRate).toBeCloseTo(
      before.proposal!.evidence.approveUnchangedRate!,
      12,
    );
    // Nothing to accept.
    const accept = await server.api(`/v1/workflows/${WF}/autonomy/accept`, {
      token: admin,
      body: { to: 'review_exceptions' },
    });
    expect(accept.status).toBe(409);
    expect(JSON.parse(JSON.stringify(await oracle()))).toEqual(after);

    // The new version earns it on its own record: 110 good reviews of acme-writer@2.
    const m2 = syntheticItems({
      n: 110,
      seed: 32,
      workflow: WF,
      start: start(2),
      days: 1,
      accuracy: () => 0.97,
      modelVersion: 'acme-writer@2',
    });
    await writeHistory(server.store, m2);
    const earned = await autonomy();
    expect(earned.modelVersion).toBe('acme-writer@2');
    expect(earned.proposal?.kind).toBe('graduate');
    expect(earned.proposal?.evidence.reviews).toBe(110);
    expect(earned.proposal?.reasons.join(' ')).toMatch(
      /Counted for model version acme-writer@2 only: 150 reviews and 0 audits of earlier versions \(m1\) are not counted/,
    );
    expect(earned.earlierEvidence?.evidence.reviews).toBe(150);
    expect(JSON.parse(JSON.stringify(await oracle()))).toEqual(earned);
  });
});
