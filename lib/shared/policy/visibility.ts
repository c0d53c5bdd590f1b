import { OPEN_STATUSES } from '../schema/draft';
import { REVIEWER_ROLES, type Role } from '../schema/user';

/**
 * Who sees a draft (issue 2, "a person can only decide drafts visible to them"):
 * - queue `review` / `manual`: every reviewer role (reviewer, owner, specialist);
 * - queue `owner` (and any draft with an assignee): that person;
 * - queue `specialist:<x>`: specialists with specialty x;
 * - queue `audit` (auto-approved, sampled for a check afterwards): every reviewer role — an audit is
 *   ordinary review work, done after the fact;
 * - queue `admin` (repeated failures, escalations to admin): admins only;
 * - queue `auto` (auto-approved, not sampled): nobody's queue;
 * - admins see every queue except `auto`; the pipeline sees no queue.
 * The server decides with it (server/service/views.ts); the dashboard's draft view uses it only to
 * say whether a draft is the person's to decide (the server refuses anyway).
 */
export function canSee(
  user: { id: string; role: Role; specialties: readonly string[] },
  queue: string | null,
  assignee: string | null,
): boolean {
  if (queue === null || queue === 'auto') return false;
  if (user.role === 'admin') return true;
  if (!(REVIEWER_ROLES as readonly string[]).includes(user.role)) return false;
  if (assignee !== null) return assignee === user.id;
  if (queue === 'review' || queue === 'manual' || queue === 'audit') return true;
  if (queue.startsWith('specialist:'))
    return user.role === 'specialist' && user.specialties.some((s) => queue === `specialist:${s}`);
  return false;
}

/**
 * Waiting for a person: an open status, or an audit check still to do (`auditPending`: in the audit
 * queue with its check not done). The server's `isOpen` and the dashboard's draft view both ask this.
 */
export function waitsForPerson(status: string, auditPending: boolean): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status) || auditPending;
}
