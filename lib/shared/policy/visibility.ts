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
