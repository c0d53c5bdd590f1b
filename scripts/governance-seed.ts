import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../lib/shared/policy/stats';
import { inputColumns } from '../server/service/governance/load';
import type { Store } from '../server/store';

// Bulk governance history for scripts/bench-governance.ts.

const DAY = 86_400_000;
export const WORKFLOWS = ['outbound-email', 'linkedin-note', 'crm-update'];
const SEGMENTS = ['smb', 'mid', 'enterprise'];
const REVIEWERS = Array.from({ length: 50 }, (_, i) => `rev-${i}`);

/**
 * Inserts `n` drafts created in [start, start + days) with their decisions and outcomes, in bulk
 * (multi-row inserts, 20,000 drafts a transaction), each with its own version like any write.
 */
export async function seed(store: Store, n: number, start: number, days: number, seed: number): Promise<void> {
  const rng = mulberry32(seed);
  const CHUNK = 20_000;
  for (let from = 0; from < n; from += CHUNK) {
    const count = Math.min(CHUNK, n - from);
    await store.write(async (trx, versions) => {
      const drafts: Record<string, unknown>[] = [];
      const decisions: Record<string, unknown>[] = [];
      const outcomes: Record<string, unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        const wf = WORKFLOWS[Math.floor(rng() * WORKFLOWS.length)]!;
        const created = start + Math.floor(rng() * days * DAY);
        const createdAt = new Date(created).toISOString();
        const confidence = Math.round((1 - 0.5 * rng() * rng()) * 1000) / 1000;
        const right = rng() < confidence;
        const roll = rng();
        const route = roll < 0.15 ? 'auto' : 'review';
        const open = roll >= 0.15 && roll < 0.2;
        const company = `Company ${Math.floor(rng() * 5000)}`;
        const content = {
          subject: `An idea for ${company}`,
          body: `Hi Ana,\n\nI noticed ${company} is hiring SDRs. Teams like yours cut research time in half with us. Worth a short call next week?\n\nBest, Sam`,
        };
        const input = {
          externalId: `bench-${id}`,
          workflow: wf,
          kind: 'email',
          target: { site: 'gmail', email: 'ana@example.com', name: 'Ana Lopez', company },
          account: { name: company },
          content,
          confidence,
          rationale: 'bench',
          evidence: [],
          model: { name: 'bench-model', version: created - start < (days * DAY) / 2 ? 'm1' : 'm2' },
        };
        const reviewer = REVIEWERS[(WORKFLOWS.indexOf(wf) * 17 + Math.floor(rng() * 17)) % REVIEWERS.length]!;
        let status = 'pending';
        let decidedAt: string | null = null;
        if (route === 'auto') {
          status = 'auto_approved';
          decidedAt = createdAt;
        } else if (!open) {
          const action = right ? 'approve' : rng() < 0.7 ? 'edit' : 'reject';
          decidedAt = new Date(created + 60_000 + Math.floor(rng() * 8 * 3_600_000)).toISOString();
          status = action === 'reject' ? 'rejected' : 'approved';
          decisions.push({
            id: randomUUID(),
            draft_id: id,
            user_id: reviewer,
            action,
            status: 'applied',
            error: null,
            content_json: action === 'edit' ? JSON.stringify({ ...content, body: `${content.body}\nP.S.` }) : null,
            reasons_json: action === 'approve' ? '[]' : '["wrong_facts"]',
            note: null,
            dwell_ms: 3_000 + Math.floor(rng() * 60_000),
            decided_at: decidedAt,
            received_at: decidedAt,
            diff: action === 'edit' ? '+P.S.' : null,
            // As the server stores an applied edit (service/decide.ts): its content differs.
            edit_changed: action === 'edit' ? true : null,
          });
        }
        if (!open && rng() < 0.125)
          outcomes.push({
            draft_id: id,
            correct: right,
            source: 'audit',
            note: null,
            recorded_by: 'bench',
            created_at: new Date(created + DAY).toISOString(),
          });
        const version = versions.next();
        drafts.push({
          id,
          external_id: input.externalId,
          workflow: wf,
          kind: 'email',
          input_json: JSON.stringify(input),
          // As ingest stores them (server/service/ingest.ts).
          ...inputColumns(input),
          confidence,
          route,
          status,
          assignee: null,
          queue: route === 'auto' ? 'auto' : 'review',
          specialty: null,
          reasons_json: '[]',
          final_json: status === 'approved' || status === 'auto_approved' ? JSON.stringify(content) : null,
          decided_by: decisions.length && decidedAt ? reviewer : null,
          decided_at: decidedAt,
          escalation_note: null,
          segment: SEGMENTS[Math.floor(rng() * SEGMENTS.length)]!,
          account_tier: null,
          owner_id: null,
          deal_value: null,
          expires_at: null,
          model_version: input.model.version,
          canary: false,
          canary_of: null,
          version,
          created_version: version,
          created_at: createdAt,
          updated_at: decidedAt ?? createdAt,
        });
      }
      const insert = async (
        table: 'drafts' | 'decisions' | 'outcomes',
        rows: Record<string, unknown>[],
        per: number,
      ) => {
        for (let i = 0; i < rows.length; i += per)
          await trx
            .insertInto(table)
            .values(rows.slice(i, i + per) as never)
            .execute();
      };
      await insert('drafts', drafts, 500);
      await insert('decisions', decisions, 1000);
      await insert('outcomes', outcomes, 2000);
    });
  }
}
