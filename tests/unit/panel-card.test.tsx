import { afterEach, describe, expect, it, vi } from 'vitest';
import { DraftCard } from '../../components/panel/DraftCard';
import { type Mounted, makeDraft, mount } from './panel-helpers';

const XSS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=1</script>',
  '"><svg onload="window.__pwned=1">',
  '{{constructor.constructor("window.__pwned=1")()}}',
];

const noop = () => {};
const handlers = {
  onMode: noop,
  onApprove: noop,
  onEditSave: noop,
  onReject: noop,
  onEscalate: noop,
  onFocusCard: noop,
};

let m: Mounted | null = null;
afterEach(() => {
  m?.unmount();
  m = null;
});

describe('draft card', () => {
  it("labels confidence by the draft's own workflow thresholds (issue 16)", () => {
    const zone = () => m!.container.querySelector('.cs-zone');
    // 93% under the contract's defaults (auto 98%): medium.
    m = mount(
      <DraftCard
        draft={makeDraft({ confidence: 0.93 })}
        forContext={false}
        current
        mode="view"
        position={1}
        total={1}
        {...handlers}
      />,
    );
    expect(zone()?.textContent).toBe('Medium confidence');
    m.unmount();
    // The same 93% in a workflow calibrated to auto-approve from 92%: high, and the card says why.
    m = mount(
      <DraftCard
        draft={makeDraft({ confidence: 0.93, thresholds: { autoThreshold: 0.92, reviewThreshold: 0.6 } })}
        forContext={false}
        current
        mode="view"
        position={1}
        total={1}
        {...handlers}
      />,
    );
    expect(zone()?.textContent).toBe('High confidence');
    expect(zone()?.getAttribute('title')).toBe("At or above this workflow's auto threshold (92%)");
    expect(m.container.textContent).toContain('Why the model is sure');
    m.unmount();
    // 65% where review starts at 70%: low (a person writes it).
    m = mount(
      <DraftCard
        draft={makeDraft({ confidence: 0.65, thresholds: { autoThreshold: 0.92, reviewThreshold: 0.7 } })}
        forContext={false}
        current
        mode="view"
        position={1}
        total={1}
        {...handlers}
      />,
    );
    expect(zone()?.textContent).toBe('Low confidence');
  });

  it('shows what the reviewer needs: kind, target, 82%, zone, reasons, rationale, evidence, tier, deal, expiry, second review, model', () => {
    const d = makeDraft({
      confidence: 0.82,
      target: { site: 'gmail', email: 'ana@acme.com', name: 'Ana Lima' },
      account: { name: 'Acme', tier: 'named', dealValue: 250000, ownerId: 'own1' },
      flags: ['pricing'],
      reasons: ['named_account'],
      trigger: {
        kind: 'job change',
        occurredAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 2 * 3600e3).toISOString(),
      },
      secondReview: true,
      status: 'awaiting_second',
      approvedBy: ['u7'],
      model: { name: 'gpt-x', version: '2026-10', prompt: 'p42' },
      priorityReason: 'deal value $250,000; trigger expires in 2 h',
    });
    m = mount(<DraftCard draft={d} forContext current mode="view" position={1} total={3} {...handlers} />);
    const text = m.container.textContent!;
    for (const s of [
      'Email · Ana Lima <ana@acme.com>',
      '82%',
      'Medium confidence',
      'For this page',
      'named account',
      'Rationale',
      'Funding',
      'Raised a Series B',
      'Source: News',
      'Named account',
      '$250,000',
      'trigger expires in 2 h',
      'Second review: 1 of 2 approvals (by u7)',
      'gpt-x 2026-10 · prompt p42',
      'pricing',
      'Draft 1 of 3',
      'Queue position: deal value $250,000; trigger expires in 2 h',
    ]) {
      expect(text).toContain(s);
    }
    const conf = [...m.container.querySelectorAll('span')].find((s) => s.textContent === '82%');
    expect(conf).toBeTruthy();
    const a = m.container.querySelector('a')!;
    expect(a.getAttribute('href')).toBe('https://news.example/acme');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(a.getAttribute('target')).toBe('_blank');
    expect([...m.container.querySelectorAll('button')].map((b) => b.textContent)).toEqual(
      expect.arrayContaining(['Approve', 'Edit', 'Reject', 'Escalate']),
    );
    expect(m.container.querySelector('article')!.getAttribute('aria-labelledby')).toBeTruthy();
  });

  it('renders an XSS payload in every field as text and runs nothing', async () => {
    const w = window as unknown as { __pwned?: number };
    delete w.__pwned;
    for (const p of XSS) {
      const d = makeDraft({
        kind: 'email',
        content: { subject: p, body: p, to: p },
        target: { site: 'gmail', email: p, name: p, company: p, recordType: p, recordId: p, threadId: p },
        account: { name: p, tier: 'named', ownerId: 'o' },
        rationale: p,
        evidence: [
          { label: p, snippet: p, url: 'javascript:window.__pwned=1', source: p },
          { label: p, snippet: p, url: `https://ok.example/?q=${encodeURIComponent(p)}`, source: p },
        ],
        flags: [p],
        reasons: [p],
        segment: p,
        trigger: { kind: p, occurredAt: '2026-11-20T10:00:00Z', expiresAt: '2026-11-22T10:00:00Z' },
        model: { name: p, version: p, prompt: p },
        escalationNote: p,
      });
      const note = makeDraft({ kind: 'note', content: { text: p }, rationale: p });
      const crm = makeDraft({
        kind: 'crm_update',
        content: { fields: [{ name: p, label: p, value: p, previous: p }] },
      });
      for (const draft of [d, note, crm]) {
        m = mount(
          <DraftCard draft={draft} forContext={false} current mode="view" position={1} total={1} {...handlers} />,
        );
        expect(m.container.querySelector('img, script, svg, iframe')).toBeNull();
        expect(m.container.textContent).toContain(p);
        for (const a of m.container.querySelectorAll('a')) expect(a.getAttribute('href')).toMatch(/^https?:\/\//);
        for (const el of m.container.querySelectorAll('*')) {
          for (const attr of el.getAttributeNames()) expect(attr.startsWith('on')).toBe(false);
        }
        m.unmount();
        m = null;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(w.__pwned).toBeUndefined();
  });

  it('a javascript: evidence link is shown as text, never as a link', () => {
    const d = makeDraft({ evidence: [{ label: 'L', snippet: 's', url: 'javascript:alert(1)' }] });
    m = mount(<DraftCard draft={d} forContext={false} current mode="view" position={1} total={1} {...handlers} />);
    expect(m.container.querySelector('a')).toBeNull();
    expect(m.container.textContent).toContain('javascript:alert(1)');
  });

  it('edit mode opens "Draft body", "Save and approve", and will not save without a reason', () => {
    const onEditSave = vi.fn();
    const d = makeDraft();
    m = mount(
      <DraftCard
        draft={d}
        forContext={false}
        current
        mode="edit"
        position={1}
        total={1}
        {...handlers}
        onEditSave={onEditSave}
      />,
    );
    const label = [...m.container.querySelectorAll('label')].find((l) => l.textContent === 'Draft body')!;
    const body = m.container.querySelector<HTMLTextAreaElement>(`#${CSS.escape(label.htmlFor)}`)!;
    expect(body.tagName).toBe('TEXTAREA');
    expect(body.value).toBe((d.content as { body: string }).body);
  });
});
