import { describe, expect, it } from 'vitest';
import { batchMembers, buildRows, groupHeaders } from '../../lib/page/panel/batch';
import { makeDecision, missingReason } from '../../lib/page/panel/decision';
import { diffWords } from '../../lib/page/panel/diff';
import { DwellTracker } from '../../lib/page/panel/dwell';
import { money, percent, timeSensitivity, zoneOf } from '../../lib/page/panel/format';
import { commandFor } from '../../lib/page/panel/keyboard';
import { safeHref } from '../../lib/page/panel/links';
import { destination, placementsFor } from '../../lib/page/panel/place';
import { rankDrafts } from '../../lib/page/panel/ranking';
import { UndoQueue } from '../../lib/page/panel/undo';
import type { PageContext } from '../../lib/page/sites/types';
import { Decision } from '../../lib/shared/schema';
import { fakeTimers, makeDraft } from './panel-helpers';

const ctx = (over: Partial<PageContext> = {}): PageContext => ({
  site: 'gmail',
  emails: [],
  names: [],
  editable: false,
  ...over,
});

describe('ranking', () => {
  it('puts the drafts for the page first, best match first, the rest in queue order', () => {
    const a = makeDraft({ target: { site: 'gmail', email: 'a@x.com' } });
    const b = makeDraft({ target: { site: 'gmail', email: 'b@x.com', threadId: 't1' } });
    const c = makeDraft({ target: { site: 'gmail', email: 'c@x.com' } });
    const d = makeDraft({ target: { site: 'gmail', email: 'd@x.com' } });
    const r = rankDrafts([a, b, c, d], ctx({ emails: ['c@x.com', 'b@x.com'], threadId: 't1' }));
    expect(r.map((x) => x.draft.id)).toEqual([b.id, c.id, a.id, d.id]);
    expect(r.map((x) => x.forContext)).toEqual([true, true, false, false]);
  });

  it('matches CRM records by id and ignores drafts for another site', () => {
    const hs = makeDraft({ target: { site: 'hubspot', recordType: 'contact', recordId: '42' } });
    const sf = makeDraft({ target: { site: 'salesforce', recordId: '42' } });
    const r = rankDrafts([sf, hs], ctx({ site: 'hubspot', recordId: '42' }));
    expect(r[0]!.draft.id).toBe(hs.id);
    expect(r[1]!.forContext).toBe(false);
  });

  it('a shared company alone is not "for this page"', () => {
    const a = makeDraft({ target: { company: 'Acme' } });
    expect(rankDrafts([a], ctx({ company: 'acme' }))[0]!.forContext).toBe(false);
  });

  it('without context keeps the queue order', () => {
    const ds = [makeDraft(), makeDraft(), makeDraft()];
    expect(rankDrafts(ds, null).map((x) => x.draft.id)).toEqual(ds.map((d) => d.id));
  });
});

describe('keyboard map', () => {
  it('maps j/k/a/e/r/u/? and arrows', () => {
    expect(['j', 'k', 'a', 'e', 'r', 'u', '?', 'x', 'ArrowDown', 'ArrowUp'].map((key) => commandFor({ key }))).toEqual([
      'next',
      'prev',
      'approve',
      'edit',
      'reject',
      'undo',
      'help',
      'escalate',
      'next',
      'prev',
    ]);
  });

  it('leaves typing, modified keys and unknown keys alone; Escape always closes', () => {
    const ta = document.createElement('textarea');
    const text = document.createElement('input');
    const box = document.createElement('input');
    box.type = 'checkbox';
    const ce = document.createElement('div');
    ce.contentEditable = 'true';
    document.body.append(ce);
    expect(commandFor({ key: 'a', target: ta })).toBeNull();
    expect(commandFor({ key: 'j', target: text })).toBeNull();
    expect(commandFor({ key: 'a', target: box })).toBe('approve');
    expect(commandFor({ key: 'a', ctrlKey: true })).toBeNull();
    expect(commandFor({ key: 'c', metaKey: true })).toBeNull();
    expect(commandFor({ key: 'q' })).toBeNull();
    expect(commandFor({ key: 'Escape', target: ta })).toBe('close');
    ce.remove();
  });
});

describe('dwell tracker', () => {
  it('counts only while the card is current, visible and the page active', () => {
    let t = 0;
    const dw = new DwellTracker(() => t);
    dw.setCurrent('a');
    t = 1000; // not visible yet
    dw.setVisible('a', true);
    t = 3000; // 2 s counted
    dw.setPageActive(false);
    t = 10_000; // window blurred: not counted
    dw.setPageActive(true);
    t = 11_000; // 1 s
    dw.setCurrent('b');
    t = 20_000; // b current but not visible
    expect(dw.get('a')).toBe(3000);
    expect(dw.get('b')).toBe(0);
    dw.setVisible('b', true);
    t = 20_500;
    expect(dw.take('b')).toBe(500);
    expect(dw.get('b')).toBe(0);
    t = 21_000;
    expect(dw.get('b')).toBe(500);
  });

  it('restores time on undo', () => {
    let t = 0;
    const dw = new DwellTracker(() => t);
    dw.setCurrent('a');
    dw.setVisible('a', true);
    t = 4000;
    const ms = dw.take('a');
    dw.setCurrent(null);
    dw.restore('a', ms);
    expect(dw.get('a')).toBe(4000);
  });
});

describe('undo queue', () => {
  it('commits after the delay, undo takes back the newest, flush commits all', () => {
    const timers = fakeTimers();
    const committed: string[] = [];
    const q = new UndoQueue<string>((v) => committed.push(v), 10_000, timers);
    q.push('1', 'one');
    timers.tick(5000);
    q.push('2', 'two');
    expect(q.undo()).toBe('two');
    timers.tick(5000);
    expect(committed).toEqual(['one']);
    timers.tick(20_000);
    expect(committed).toEqual(['one']);
    q.push('3', 'three');
    q.push('4', 'four');
    q.flush();
    expect(committed).toEqual(['one', 'three', 'four']);
    expect(q.undo()).toBeUndefined();
  });

  it('nothing is committed before 10 s by default', () => {
    const timers = fakeTimers();
    const committed: string[] = [];
    const q = new UndoQueue<string>((v) => committed.push(v), undefined, timers);
    q.push('1', 'one');
    timers.tick(9999);
    expect(committed).toEqual([]);
    timers.tick(1);
    expect(committed).toEqual(['one']);
  });
});

describe('batches', () => {
  it('groups the queue by segment (two or more), page drafts stay single, exclusions honoured', () => {
    const page = makeDraft({ segment: 's1', target: { site: 'gmail', email: 'p@x.com' } });
    const a = makeDraft({ segment: 's1' });
    const b = makeDraft();
    const c = makeDraft({ segment: 's1' });
    const d = makeDraft({ segment: 'lonely' });
    const rows = buildRows(rankDrafts([a, b, page, c, d], ctx({ emails: ['p@x.com'] })));
    expect(rows.map((r) => (r.type === 'group' ? `G:${r.segment}` : r.item.draft.id))).toEqual([
      page.id,
      'G:s1',
      a.id,
      c.id,
      b.id,
      d.id,
    ]);
    const g = rows[1]!;
    expect(g.type === 'group' && batchMembers(g.ids, new Set([a.id]))).toEqual([c.id]);
    // The header a row sits under (it stays pinned while the person works through its members).
    expect(groupHeaders(rows)).toEqual([null, 1, 1, 1, null, null]);
  });
});

describe('decisions', () => {
  it('edit and reject require a reason; the decision is a valid contract Decision with dwellMs', () => {
    const d = makeDraft();
    expect(missingReason({ action: 'reject', reasons: [] })).toMatch(/reason/);
    expect(missingReason({ action: 'edit', reasons: [], content: d.content })).toMatch(/reason/);
    expect(missingReason({ action: 'approve' })).toBeNull();
    const dec = makeDecision(d, { action: 'reject', reasons: ['tone'], note: ' meh ' }, 1234.4);
    expect(Decision.parse(dec)).toMatchObject({ action: 'reject', reasons: ['tone'], note: 'meh', dwellMs: 1234 });
    const esc = makeDecision(d, { action: 'escalate', escalateTo: { kind: 'specialist', specialty: 'legal' } }, 0);
    expect(Decision.parse(esc).escalateTo).toEqual({ kind: 'specialist', specialty: 'legal' });
  });
});

describe('diff', () => {
  it('marks added and removed words and rebuilds both sides', () => {
    const before = 'Hi Ana, we saw your Series B news.';
    const after = 'Hi Ana, congrats on your Series B.';
    const parts = diffWords(before, after);
    expect(
      parts
        .filter((p) => p.op !== 'add')
        .map((p) => p.text)
        .join(''),
    ).toBe(before);
    expect(
      parts
        .filter((p) => p.op !== 'del')
        .map((p) => p.text)
        .join(''),
    ).toBe(after);
    expect(parts.some((p) => p.op === 'add' && p.text.includes('congrats'))).toBe(true);
  });

  it('stays fast on a 20,000-character body', () => {
    const words = Array.from({ length: 3500 }, (_, i) => `w${i}`).join(' ');
    const t = performance.now();
    diffWords(words, words.replace('w10 ', 'x ').replace('w3000', 'y'));
    expect(performance.now() - t).toBeLessThan(2000);
  });
});

describe('formatting and links', () => {
  it('money writes whole dollars exactly as Intl.NumberFormat en-US USD does', () => {
    const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
    const values = [0, 0.4, 0.5, 1, 5, 999, 1000, 12_000, 250_000, 999_999.5, 1_234_567, 10_000_000_000, -5, -1234.6];
    for (const v of values) expect(money(v), String(v)).toBe(intl.format(v));
  });

  it('percent, zone, time sensitivity', () => {
    expect(percent(0.8249)).toBe('82%');
    // Without thresholds: the contract's defaults for a new workflow (auto 0.98, review 0.70).
    expect(zoneOf(0.95).label).toBe('Medium confidence');
    expect(zoneOf(0.98).label).toBe('High confidence');
    expect(zoneOf(0.5).zone).toBe('low');
    // With the draft's own workflow thresholds (issue 16): the same 95% is high where the workflow
    // auto-approves from 90%, and 65% is medium where review starts at 60%.
    const calibrated = { autoThreshold: 0.9, reviewThreshold: 0.6 };
    expect(zoneOf(0.95, calibrated).label).toBe('High confidence');
    expect(zoneOf(0.9, calibrated).zone).toBe('high');
    expect(zoneOf(0.899, calibrated).zone).toBe('medium');
    expect(zoneOf(0.65, calibrated).label).toBe('Medium confidence');
    expect(zoneOf(0.59, calibrated).label).toBe('Low confidence');
    expect(zoneOf(0.95, calibrated).title).toBe("At or above this workflow's auto threshold (90%)");
    const now = Date.parse('2026-11-21T10:00:00Z');
    const d = makeDraft({
      trigger: { kind: 'job change', occurredAt: '2026-11-20T10:00:00Z', expiresAt: '2026-11-21T12:00:00Z' },
    });
    expect(timeSensitivity(d, now)).toBe('job change: trigger expires in 2 h');
  });

  it('only http(s) hrefs', () => {
    expect(safeHref('https://a.example/x')).toBe('https://a.example/x');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,<b>')).toBeNull();
    expect(safeHref('/relative')).toBeNull();
  });

  it('maps insertion targets to content parts', () => {
    const d = makeDraft();
    const el = document.createElement('input');
    const p = placementsFor(d, { subject: 'S', body: 'B' }, [
      { part: 'subject', element: el, describe: '' },
      { part: 'body', element: el, describe: '' },
      { part: { field: 'x' }, element: el, describe: '' },
    ]);
    expect(p.map((x) => x.text)).toEqual(['S', 'B']);
    expect(destination(d)).toMatch(/^Gmail email to /);
  });
});

describe('settled by others (issue 15: "Maya approved this a moment ago")', () => {
  const now = Date.parse('2026-12-05T10:00:00Z');
  const r = (over: Record<string, unknown> = {}) => ({
    draftId: 'd1',
    title: 'A question for Acme',
    byId: 'maya',
    byName: 'Maya',
    status: 'approved',
    at: new Date(now - 20_000).toISOString(),
    ...over,
  });
  it('names who did what, and when', async () => {
    const { settledLine } = await import('../../components/panel/Panel');
    expect(settledLine(r(), now)).toBe('Maya approved “A question for Acme” a moment ago');
    expect(settledLine(r({ status: 'rejected', at: new Date(now - 5 * 60_000).toISOString() }), now)).toBe(
      'Maya rejected “A question for Acme” 5 min ago',
    );
    expect(settledLine(r({ byName: null }), now)).toBe('maya approved “A question for Acme” a moment ago');
    expect(settledLine(r({ status: 'expired', byId: null, byName: null }), now)).toBe(
      '“A question for Acme” expired a moment ago',
    );
  });
});
