import type { Role, Specialty, WorkflowPolicyPatch } from '../../lib/shared/schema';
import { COMPETITORS } from './catalog';

export interface DemoUser {
  id: string;
  name: string;
  role: Role;
  specialty?: Specialty;
  /** What the person does in the demo, printed next to their token. */
  purpose: string;
}

/** The demo workspace's people (issue 5): an admin, two SDRs, an account owner, a pricing specialist, and the pipeline. */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'demo-admin', name: 'Alex Rivera', role: 'admin', purpose: 'sets workflow policies, reads the audit log' },
  { id: 'demo-sdr-maya', name: 'Maya Chen', role: 'reviewer', purpose: 'SDR: reviews outbound and inbound drafts' },
  { id: 'demo-sdr-jonas', name: 'Jonas Berg', role: 'reviewer', purpose: 'SDR: reviews outbound and inbound drafts' },
  {
    id: 'demo-owner-priya',
    name: 'Priya Nair',
    role: 'owner',
    purpose: 'account owner: reviews drafts for her named accounts',
  },
  {
    id: 'demo-pricing-sam',
    name: 'Sam Okafor',
    role: 'specialist',
    specialty: 'pricing',
    purpose: 'pricing specialist: reviews drafts that mention prices or discounts',
  },
  {
    id: 'demo-pipeline',
    name: 'Demo AI pipeline',
    role: 'pipeline',
    purpose: 'the AI system: posts drafts (`drafts simulate`, `drafts import`)',
  },
];

/** The SDR that `npm run browser` connects as. */
export const DEMO_SDR_ID = 'demo-sdr-maya';
/** The owner of every named account in the demo. */
export const DEMO_OWNER_ID = 'demo-owner-priya';

export const DEMO_WORKFLOWS = ['outbound-email', 'crm-enrichment', 'inbound-reply'] as const;
export type DemoWorkflow = (typeof DEMO_WORKFLOWS)[number];

/**
 * Policies the demo starts with. Outbound email has earned `review_exceptions`, so the
 * high-confidence drafts that pass the quality rules are auto-approved and the reviewer sees the rest;
 * the other two stay at the safe default of reviewing everything.
 */
export const DEMO_POLICIES: Record<DemoWorkflow, WorkflowPolicyPatch> = {
  'outbound-email': {
    level: 'review_exceptions',
    autoThreshold: 0.95,
    reviewThreshold: 0.7,
    auditSampleRate: 0.1,
    competitors: [...COMPETITORS],
  },
  'crm-enrichment': { level: 'review_all', autoThreshold: 0.97, reviewThreshold: 0.7, competitors: [...COMPETITORS] },
  'inbound-reply': { level: 'review_all', autoThreshold: 0.98, reviewThreshold: 0.75, competitors: [...COMPETITORS] },
};

/** Confidence zones as the demo policies draw them: below `review` → manual, at or above `auto` → auto. */
export const ZONE_BOUNDS = { review: 0.7, auto: 0.95 } as const;
