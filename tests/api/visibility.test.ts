import { describe, expect, it } from 'vitest';
import type { Role, Specialty } from '../../lib/shared/schema';
import { canSee } from '../../server/service/views';

const u = (role: Role, id = 'me', specialties: Specialty[] = []) => ({ id, role, specialties });

// Pure table of who sees which queue (see server/README.md, "Visibility").
describe('canSee', () => {
  const cases: Array<[string, ReturnType<typeof u>, string | null, string | null, boolean]> = [
    ['reviewer: review', u('reviewer'), 'review', null, true],
    ['reviewer: manual', u('reviewer'), 'manual', null, true],
    ['reviewer: audit', u('reviewer'), 'audit', null, true],
    ['reviewer: auto', u('reviewer'), 'auto', null, false],
    ['reviewer: admin queue', u('reviewer'), 'admin', null, false],
    ['reviewer: someone else as owner', u('reviewer'), 'owner', 'olly', false],
    ['reviewer: assigned to me', u('reviewer'), 'owner', 'me', true],
    ['reviewer: specialist queue', u('reviewer'), 'specialist:legal', null, false],
    ['owner: own draft', u('owner', 'olly'), 'owner', 'olly', true],
    ['owner: another owner', u('owner', 'olly'), 'owner', 'ola', false],
    ['owner: review', u('owner', 'olly'), 'review', null, true],
    ['specialist: own specialty', u('specialist', 'l', ['legal']), 'specialist:legal', null, true],
    ['specialist: other specialty', u('specialist', 'l', ['legal']), 'specialist:pricing', null, false],
    ['specialist: review', u('specialist', 'l', ['legal']), 'review', null, true],
    ['admin: anything human', u('admin'), 'specialist:pricing', null, true],
    ['admin: owner queue', u('admin'), 'owner', 'olly', true],
    ['admin: admin queue', u('admin'), 'admin', null, true],
    ['admin: auto', u('admin'), 'auto', null, false],
    ['pipeline: review', u('pipeline'), 'review', null, false],
    ['pipeline: assigned to it', u('pipeline'), 'owner', 'me', false],
    ['no queue', u('admin'), null, null, false],
  ];
  it.each(cases)('%s → %s', (_n, user, queue, assignee, expected) => {
    expect(canSee(user, queue, assignee)).toBe(expected);
  });
});
