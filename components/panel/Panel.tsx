import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { batchMembers, buildRows, groupHeaders, type Row } from '../../lib/page/panel/batch';
import { copyText, type DecisionInput, makeDecision } from '../../lib/page/panel/decision';
import { DwellTracker } from '../../lib/page/panel/dwell';
import { describeTarget, KIND_LABEL } from '../../lib/page/panel/format';
import { commandFor } from '../../lib/page/panel/keyboard';
import { destination } from '../../lib/page/panel/place';
import { rankDrafts } from '../../lib/page/panel/ranking';
import { byPerson } from '../../lib/page/panel/trust';
import type { ApplyOutcome, PanelItem, PanelPlacement, PendingGroup } from '../../lib/page/panel/types';
import { DEFAULT_PLACEMENT } from '../../lib/page/panel/types';
import { type Timers, UNDO_MS, UndoQueue } from '../../lib/page/panel/undo';
import type { PageContext } from '../../lib/page/sites/types';
import { errorText } from '../../lib/shared/error-text';
import { batchExclusions, needsWriting } from '../../lib/shared/policy/friction';
import type { Content, Decision, Draft } from '../../lib/shared/schema';
import type { RecentSettled } from '../../lib/shared/schema/protocol';
import { BatchHeader } from './BatchHeader';
import { type CardMode, DraftCard } from './DraftCard';
import { HelpDialog } from './HelpDialog';
import { PanelBar } from './PanelBar';
import { QueueList, type QueueListHandle } from './QueueList';
import { UndoBar } from './UndoBar';

export interface PanelProps {
  items: readonly PanelItem[];
  context: PageContext | null;
  /** Called for each decision once its undo window has passed: hand it to the worker's outbox. */
  onCommit: (decision: Decision, draft: Draft) => void;
  /**
   * Called for each decision the moment it is made: the worker holds it until `sendAfter` (the end
   * of the undo window, with a margin), so a tab closed or crashed meanwhile loses nothing.
   */
  onHold?: (decision: Decision, draft: Draft, sendAfter: Date) => void;
  /** Undo: take a held decision back; resolves false when it had already gone out. */
  onTakeBack?: (decisionId: string) => Promise<boolean> | boolean;
  /** Puts approved content on the page when the draft's target is there. */
  onApply?: (draft: Draft, content: Content, decision: Decision) => ApplyOutcome | Promise<ApplyOutcome>;
  onCopy?: (text: string) => void | Promise<void>;
  /** A line under the title: connection or sync state. */
  status?: { text: string; problem?: boolean } | null;
  loading?: boolean;
  /** Queue length on the server when the panel holds only part of it. */
  total?: number;
  placement?: PanelPlacement;
  onPlacementChange?: (p: PanelPlacement) => void;
  undoMs?: number;
  timers?: Timers;
  /** Clock for dwell time (ms, monotonic). */
  clock?: () => number;
  /** Height of the list where layout gives none (tests). */
  fallbackHeight?: number;
  /** Drafts other people settled a moment ago (issue 15: "Maya approved this a moment ago"). */
  recent?: readonly RecentSettled[];
  /** The card the person is on (claimed while current); null when the panel is folded. */
  onCurrent?: (draftId: string | null) => void;
}

type Mode = { id: string; mode: CardMode } | null;

/** How much longer than the undo window the worker holds a decision (see `onHold`). */
export const HOLD_MARGIN_MS = 5_000;

/** The review panel: the page's drafts first, then the queue; decide, undo, batch, keyboard. */
export function Panel(props: PanelProps) {
  const { items, context, onCommit, onApply } = props;
  const placement = props.placement ?? DEFAULT_PLACEMENT;
  const onCommitRef = useRef(onCommit);
  onCommitRef.current = onCommit;
  const undoMs = props.undoMs ?? UNDO_MS;

  // Drafts decided here whose undo window has passed; they stay hidden until the worker's view
  // lists them as decided (or no longer lists them).
  const [committed, setCommitted] = useState<ReadonlySet<string>>(new Set());
  const dwell = useMemo(() => new DwellTracker(props.clock), [props.clock]);
  const undo = useMemo(
    () =>
      new UndoQueue<PendingGroup>(
        (g) => {
          setCommitted((c) => new Set([...c, ...g.entries.map((e) => e.draft.id)]));
          for (const e of g.entries) onCommitRef.current(e.decision, e.draft);
        },
        props.undoMs ?? UNDO_MS,
        props.timers,
      ),
    [props.undoMs, props.timers],
  );
  const pendingVersion = useSyncExternalStore(
    useCallback((fn) => undo.subscribe(fn), [undo]),
    () => undo.pending().length + (undo.pending().at(-1)?.key ?? ''),
  );
  // Commit what is still waiting when the page goes away: the person did decide.
  useEffect(() => {
    const flush = () => undo.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      undo.flush();
    };
  }, [undo]);

  const [mode, setMode] = useState<Mode>(null);
  const [currentId, setCurrentId] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());
  const [notice, setNotice] = useState<string | null>(null);
  // Bumped when an asynchronous apply settles, so the undo bar shows where the text went.
  const [, setApplied] = useState(0);

  // Drafts that are being decided here (in the undo window or sent) leave the list at once.
  // biome-ignore lint/correctness/useExhaustiveDependencies: pendingVersion signals a change in the undo queue
  const hidden = useMemo(() => {
    const s = new Set(committed);
    for (const g of undo.pending()) for (const e of g.entries) s.add(e.draft.id);
    return s;
  }, [committed, undo, pendingVersion]);

  const localById = useMemo(() => new Map(items.map((i) => [i.draft.id, i.local ?? null])), [items]);
  const ranked = useMemo(() => {
    // Ranked with the worker's own scorer (lib/shared/match.ts), against the context shown now.
    const open = items.filter((i) => !hidden.has(i.draft.id) && !isSettled(i));
    return rankDrafts(
      open.map((i) => i.draft),
      context,
    );
  }, [items, hidden, context]);
  const rows = useMemo(() => buildRows(ranked), [ranked]);
  const headers = useMemo(() => groupHeaders(rows), [rows]);
  const draftRows = useMemo(() => {
    const idx: number[] = [];
    rows.forEach((r, i) => {
      if (r.type === 'draft') idx.push(i);
    });
    return idx;
  }, [rows]);
  const byId = useMemo(() => new Map(ranked.map((r) => [r.draft.id, r.draft])), [ranked]);
  const matching = ranked.filter((r) => r.forContext).length;

  // The current card: the one chosen, else the first (the page's best match).
  const current = currentId && byId.has(currentId) ? currentId : (ranked[0]?.draft.id ?? null);
  const currentIdx = current ? draftRows.findIndex((ri) => rowId(rows[ri]) === current) : -1;

  // ---- focus and scrolling ----
  const root = useRef<HTMLElement | null>(null);
  const list = useRef<QueueListHandle | null>(null);
  const cards = useRef(new Map<string, HTMLElement>());
  const wantFocus = useRef<string | null>(null);
  const observer = useRef<IntersectionObserver | null>(null);

  const focusWithin = () => {
    const r = root.current;
    if (!r) return false;
    const active = (r.getRootNode() as Document | ShadowRoot).activeElement;
    return !!active && r.contains(active);
  };
  const focusCard = useCallback((id: string | null) => {
    if (!id) {
      root.current?.querySelector<HTMLElement>('.cs-bar h2')?.focus();
      return;
    }
    const el = cards.current.get(id);
    if (el) {
      el.focus();
      wantFocus.current = null;
    } else {
      wantFocus.current = id; // the card renders after the list scrolls; cardRef focuses it then
    }
  }, []);
  const cardRef = useCallback(
    (id: string, el: HTMLElement | null) => {
      const prev = cards.current.get(id);
      if (prev && prev !== el) {
        observer.current?.unobserve(prev);
        dwell.setVisible(id, false);
      }
      if (el) {
        cards.current.set(id, el);
        if (observer.current) observer.current.observe(el);
        else dwell.setVisible(id, true);
        if (wantFocus.current === id) {
          wantFocus.current = null;
          el.focus();
        }
      } else {
        // A card leaving while it has focus (the worker's list dropped it for a moment, or the list
        // re-rendered it) would leave focus on the page's body, where the person's next key goes
        // to the page: focus waits on the panel's heading and goes back to the card if it returns.
        if (prev && (prev.getRootNode() as Document | ShadowRoot).activeElement === prev) {
          wantFocus.current = id;
          root.current?.querySelector<HTMLElement>('.cs-bar h2')?.focus();
        }
        cards.current.delete(id);
        dwell.setVisible(id, false);
      }
    },
    [dwell],
  );
  const scrollEl = useRef<HTMLElement | null>(null);
  const setScrollEl = useCallback(
    (el: HTMLElement | null) => {
      if (el === scrollEl.current) return;
      scrollEl.current = el;
      observer.current?.disconnect();
      observer.current = null;
      if (el && typeof IntersectionObserver !== 'undefined') {
        // Dwell counts only while the card is really in view: at least half of it, or half the list.
        observer.current = new IntersectionObserver(
          (entries) => {
            for (const en of entries) {
              const id = (en.target as HTMLElement).dataset.draftId;
              // A card taller than the list counts when it fills half the list.
              const shown = en.intersectionRect.height;
              const half =
                Math.min(en.boundingClientRect.height, en.rootBounds?.height ?? Number.POSITIVE_INFINITY) / 2;
              if (id) dwell.setVisible(id, en.isIntersecting && shown >= half);
            }
          },
          { root: el, threshold: [0, 0.1, 0.25, 0.5, 0.75, 1] },
        );
        for (const c of cards.current.values()) observer.current.observe(c);
      }
    },
    [dwell],
  );

  const moveTo = useCallback(
    (id: string | null, focus: boolean) => {
      setCurrentId(id);
      if (!id) return;
      const rowIndex = rows.findIndex((r) => rowId(r) === id);
      if (rowIndex >= 0) list.current?.scrollToIndex(rowIndex);
      if (focus) focusCard(id);
    },
    [rows, focusCard],
  );

  // ---- claims: the current card is claimed while the panel is open (contract v1.1 "Claims") ----
  const onCurrent = props.onCurrent;
  useEffect(() => {
    onCurrent?.(placement.collapsed ? null : current);
  }, [onCurrent, current, placement.collapsed]);

  // ---- dwell: the current card, the page visible and focused, the panel open ----
  useEffect(() => {
    dwell.setCurrent(current);
  }, [dwell, current]);
  useEffect(() => {
    const update = () =>
      dwell.setPageActive(!placement.collapsed && document.visibilityState === 'visible' && document.hasFocus());
    update();
    window.addEventListener('focus', update);
    window.addEventListener('blur', update);
    document.addEventListener('visibilitychange', update);
    return () => {
      window.removeEventListener('focus', update);
      window.removeEventListener('blur', update);
      document.removeEventListener('visibilitychange', update);
    };
  }, [dwell, placement.collapsed]);

  // ---- deciding ----
  const nextAfter = (ids: readonly string[]): string | null => {
    const gone = new Set(ids);
    const order = draftRows.map((ri) => rowId(rows[ri])!);
    const start = Math.max(0, order.indexOf(ids[0]!));
    for (let i = start; i < order.length; i++) if (!gone.has(order[i]!)) return order[i]!;
    for (let i = start - 1; i >= 0; i--) if (!gone.has(order[i]!)) return order[i]!;
    return null;
  };

  const decide = (drafts: Draft[], input: DecisionInput, label: string, content?: Content) => {
    const hadFocus = focusWithin();
    const entries = drafts.map((draft) => ({ draft, decision: makeDecision(draft, input, dwell.take(draft.id)) }));
    const group: PendingGroup = { key: entries[0]!.decision.id, label, entries };
    // Focus moves on before anything is applied: insertion gives focus back to where it found it.
    const next = nextAfter(drafts.map((d) => d.id));
    if (hadFocus) focusCard(next);
    if ((input.action === 'approve' || input.action === 'edit') && drafts.length === 1) {
      const draft = drafts[0]!;
      const finalContent = content ?? draft.content;
      group.content = finalContent;
      const settle = (a: ApplyOutcome) => {
        group.apply = a;
        group.applying = false;
        if (!a.placed) group.copy = copyText(draft, finalContent);
        else if (a.copy !== undefined) group.copy = a.copy;
      };
      const failed = (err: unknown) =>
        settle({ placed: false, where: `${destination(draft)} (could not insert here: ${errorText(err)})` });
      try {
        const res = onApply?.(draft, finalContent, entries[0]!.decision);
        if (res instanceof Promise) {
          group.applying = true;
          res.then(settle, failed).finally(() => setApplied((n) => n + 1));
        } else if (res) settle(res);
        else group.copy = copyText(draft, finalContent);
      } catch (err) {
        failed(err);
      }
    }
    setMode(null);
    setNotice(null);
    undo.push(group.key, group);
    // Held by the worker from now on; the margin lets the panel's own commit (at the end of the
    // window) or its Undo arrive first while the page lives.
    const sendAfter = new Date(Date.now() + undoMs + HOLD_MARGIN_MS);
    for (const e of entries) props.onHold?.(e.decision, e.draft, sendAfter);
    setCurrentId(next);
  };

  const draftLabel = (d: Draft) => `${KIND_LABEL[d.kind]} to ${d.target.name ?? d.target.email ?? describeTarget(d)}`;

  const approve = (id: string) => {
    const d = byId.get(id);
    if (!d) return;
    if (needsWriting(d)) {
      // No one-click approval of a manual draft: the person writes it (Edit, then Save and approve).
      setNotice('This draft is routed manual: write it from the draft, then Save and approve.');
      onMode(id, 'edit');
      return;
    }
    decide([d], { action: 'approve' }, `Approved: ${draftLabel(d)}`);
  };

  const doUndo = () => {
    const g = undo.undo();
    if (!g) {
      setNotice('Nothing to undo.');
      return;
    }
    const first = g.entries[0]!.draft.id;
    // Focus waits on the panel's heading while the text is taken out: the editor's undo gives focus
    // back to where it found it, and the Undo button is gone by then (nothing left to undo). Then
    // the person is put on the card that came back.
    const hadFocus = focusWithin();
    if (hadFocus) focusCard(null);
    // A revert that could not take the text out says so (issue 18: never a silent success).
    void Promise.resolve(g.apply?.revert?.()).then((r) => {
      if (r && !r.ok) setNotice(`Undone: ${g.label}. ${r.message ?? 'The text could not be taken out of the page.'}`);
      if (hadFocus && focusWithin()) focusCard(first);
    });
    for (const e of g.entries) {
      dwell.restore(e.draft.id, e.decision.dwellMs ?? 0);
      const back = props.onTakeBack?.(e.decision.id);
      if (back instanceof Promise) {
        void back.then(
          (ok) => ok || setNotice(`Too late to undo: ${g.label} had already been sent.`),
          () => setNotice(`Could not undo: ${g.label}. The extension did not answer.`),
        );
      } else if (back === false) setNotice(`Too late to undo: ${g.label} had already been sent.`);
    }
    setNotice(`Undone: ${g.label}`);
    // The card comes back; put the person on it again (focused above, once the text is out).
    setCurrentId(first);
    queueMicrotask(() => {
      const rowIndex = rows.findIndex((r) => rowId(r) === first);
      if (rowIndex >= 0) list.current?.scrollToIndex(rowIndex);
    });
  };

  // Committed ids the worker no longer lists can be forgotten.
  useEffect(() => {
    setCommitted((c) => {
      const still = [...c].filter((id) => items.some((i) => i.draft.id === id && !isSettled(i)));
      return still.length === c.size ? c : new Set(still);
    });
  }, [items]);

  const onMode = useCallback((id: string, m: CardMode) => {
    setCurrentId(id);
    setMode(m === 'view' ? null : { id, mode: m });
    if (m === 'view') queueMicrotask(() => cards.current.get(id)?.focus());
  }, []);

  const toggleExcluded = useCallback((id: string) => {
    setExcluded((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  }, []);

  // ---- keyboard (only while focus is inside the panel: the page keeps its own shortcuts) ----
  const onKeyDown = (e: React.KeyboardEvent) => {
    // Keys a page script dispatches into the panel do nothing (lib/page/panel/trust.ts).
    if (!byPerson(e)) return;
    const cmd = commandFor({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, target: e.target });
    if (!cmd) return;
    if (cmd === 'close') {
      if (help) setHelp(false);
      else if (mode) onMode(mode.id, 'view');
      else return;
      e.preventDefault();
      return;
    }
    e.preventDefault();
    if (cmd === 'help') return setHelp((h) => !h);
    if (cmd === 'undo') return doUndo();
    if (cmd === 'next' || cmd === 'prev') {
      if (currentIdx < 0) return;
      const to = Math.min(draftRows.length - 1, Math.max(0, currentIdx + (cmd === 'next' ? 1 : -1)));
      setMode(null);
      moveTo(rowId(rows[draftRows[to]!]), true);
      return;
    }
    if (!current) return;
    if (cmd === 'approve') return approve(current);
    if (cmd === 'edit') return onMode(current, 'edit');
    if (cmd === 'reject') return onMode(current, 'reject');
    if (cmd === 'escalate') return onMode(current, 'escalate');
  };

  // ---- rendering ----
  const now = Date.now();
  const pendingTop = undo.pending().at(-1) ?? null;
  const total = props.total ?? ranked.length;
  const renderRow = (index: number) => {
    const row = rows[index]!;
    if (row.type === 'group') {
      const present = row.ids.filter((id) => byId.has(id));
      // High-risk drafts are never batch-decided (lib/shared/policy/friction.ts), whatever the checkboxes say.
      const held = present.filter((id) => batchExclusions(byId.get(id)!).length > 0);
      const members = batchMembers(present, new Set([...excluded, ...held]));
      return (
        <BatchHeader
          segment={row.segment}
          total={row.ids.length}
          included={members.length}
          held={held.length}
          onApproveAll={() => {
            const ds = members.map((id) => byId.get(id)!);
            decide(ds, { action: 'approve' }, `Approved ${ds.length} drafts of “${row.segment}”`);
          }}
          onRejectAll={(r) => {
            const ds = members.map((id) => byId.get(id)!);
            decide(ds, { action: 'reject', ...r }, `Rejected ${ds.length} drafts of “${row.segment}”`);
          }}
        />
      );
    }
    const d = row.item.draft;
    const position = draftRows.indexOf(index) + 1;
    return (
      <DraftCard
        draft={d}
        forContext={row.item.forContext}
        current={d.id === current}
        mode={mode?.id === d.id ? mode.mode : 'view'}
        position={position}
        total={ranked.length}
        local={localById.get(d.id)}
        excluded={row.segment ? excluded.has(d.id) : undefined}
        onToggleExcluded={toggleExcluded}
        onMode={onMode}
        onApprove={approve}
        onEditSave={(id, r) => {
          const dd = byId.get(id);
          if (dd) decide([dd], { action: 'edit', ...r }, `Edited and approved: ${draftLabel(dd)}`, r.content);
        }}
        onReject={(id, r) => {
          const dd = byId.get(id);
          if (dd) decide([dd], { action: 'reject', ...r }, `Rejected: ${draftLabel(dd)}`);
        }}
        onEscalate={(id, r) => {
          const dd = byId.get(id);
          if (dd) decide([dd], { action: 'escalate', ...r }, `Escalated: ${draftLabel(dd)}`);
        }}
        onCopy={props.onCopy ? (id) => void props.onCopy!(copyText(byId.get(id)!)) : undefined}
        onFocusCard={setCurrentId}
        cardRef={cardRef}
        now={now}
      />
    );
  };

  const setPlacement = (p: Partial<PanelPlacement>) => props.onPlacementChange?.({ ...placement, ...p });

  return (
    <aside
      ref={root}
      aria-label="Countersign"
      className={`cs-root${placement.side === 'left' ? ' cs-left' : ''}${placement.collapsed ? ' cs-collapsed' : ''}`}
      // A position stored on a taller window must not put the panel off screen.
      style={{ top: `${Math.max(0, Math.min(placement.top, window.innerHeight - 48))}px` }}
      onKeyDown={onKeyDown}
    >
      {placement.collapsed ? (
        <button
          type="button"
          className="cs-tab cs-primary"
          aria-expanded={false}
          onClick={() => setPlacement({ collapsed: false })}
        >
          Countersign · {total} {matching ? `(${matching} here)` : ''}
        </button>
      ) : (
        <>
          <PanelBar
            count={ranked.length}
            total={total}
            matching={matching}
            placement={placement}
            onPlacement={setPlacement}
            onHelp={() => setHelp((h) => !h)}
          />
          {props.status ? (
            <p className={`cs-status${props.status.problem ? ' cs-problem' : ''}`}>{props.status.text}</p>
          ) : null}
          {props.recent?.length ? (
            <ul className="cs-recent" aria-label="Settled by others" aria-live="polite">
              {props.recent.slice(0, 3).map((r) => (
                <li key={r.draftId}>{settledLine(r)}</li>
              ))}
            </ul>
          ) : null}
          {help ? (
            <HelpDialog
              onClose={() => {
                setHelp(false);
                focusCard(current);
              }}
            />
          ) : null}
          {ranked.length === 0 ? (
            <p className="cs-empty">{props.loading ? 'Loading drafts…' : 'No drafts waiting for you.'}</p>
          ) : (
            <QueueList
              label="Drafts to review"
              count={rows.length}
              getKey={(i) => rows[i]!.key}
              estimateSize={(i) => (rows[i]?.type === 'group' ? 90 : 420)}
              renderRow={renderRow}
              fallbackHeight={props.fallbackHeight}
              handle={list}
              scrollRef={setScrollEl}
              headerOf={(i) => headers[i] ?? null}
            />
          )}
          <UndoBar
            pending={pendingTop}
            notice={notice}
            onUndo={doUndo}
            onCopy={props.onCopy ? (t) => void props.onCopy!(t) : undefined}
          />
        </>
      )}
    </aside>
  );
}

/** "Maya approved “A question for Acme” a moment ago". */
export function settledLine(r: RecentSettled, now = Date.now()): string {
  const verb: Record<string, string> = {
    approved: 'approved',
    rejected: 'rejected',
    escalated: 'escalated',
    awaiting_second: 'approved',
  };
  const ago = now - Date.parse(r.at);
  const when = ago < 90_000 ? 'a moment ago' : `${Math.round(ago / 60_000)} min ago`;
  // Nobody decides an expiry: the trigger's deadline passed.
  if (r.status === 'expired') return `“${r.title}” expired ${when}`;
  return `${r.byName ?? r.byId ?? 'Someone'} ${verb[r.status] ?? 'settled'} “${r.title}” ${when}`;
}

function isSettled(i: PanelItem): boolean {
  return !!i.local && (i.local.sync === 'pending' || i.local.sync === 'done');
}

function rowId(r: Row | undefined): string | null {
  return r?.type === 'draft' ? r.item.draft.id : null;
}
