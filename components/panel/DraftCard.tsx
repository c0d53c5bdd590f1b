import { memo, useCallback, useId } from 'react';
import {
  describeTarget,
  isUrgent,
  KIND_LABEL,
  modelLine,
  money,
  percent,
  reasonText,
  secondReviewStatus,
  timeSensitivity,
  zoneOf,
} from '../../lib/page/panel/format';
import { claimedByOther } from '../../lib/page/panel/ranking';
import { byPerson, ignoreChange, toggledByPerson } from '../../lib/page/panel/trust';
import type { LocalStatus } from '../../lib/page/panel/types';
import { batchExclusionText, needsWriting } from '../../lib/shared/policy/friction';
import type { Draft, EscalateTo } from '../../lib/shared/schema';
import { DraftContentView } from './DraftContentView';
import { EditForm, type EditResult } from './EditForm';
import { EscalateForm } from './EscalateForm';
import { EvidenceList } from './EvidenceList';
import { RejectForm } from './RejectForm';

export type CardMode = 'view' | 'edit' | 'reject' | 'escalate';

export interface DraftCardProps {
  draft: Draft;
  /** The draft is for the record/thread in front of the person. */
  forContext: boolean;
  current: boolean;
  mode: CardMode;
  /** Position in the queue, 1-based, and the queue length (for screen readers). */
  position: number;
  total: number;
  local?: LocalStatus | null;
  /** Set when the card is part of a segment batch: whether it is excluded from approve-all / reject-all. */
  excluded?: boolean;
  onToggleExcluded?: (id: string) => void;
  onMode: (id: string, mode: CardMode) => void;
  onApprove: (id: string) => void;
  onEditSave: (id: string, r: EditResult) => void;
  onReject: (id: string, r: { reasons: string[]; note?: string }) => void;
  onEscalate: (id: string, r: { escalateTo: EscalateTo; note?: string }) => void;
  onCopy?: (id: string) => void;
  onFocusCard: (id: string) => void;
  cardRef?: (id: string, el: HTMLElement | null) => void;
  now?: number;
}

/** One draft: what it is, how sure the model is and why, the evidence, and the actions. */
export const DraftCard = memo(function DraftCard(p: DraftCardProps) {
  const { draft } = p;
  const id = useId();
  // One ref function per card (not a new one each render, which the renderer calls with null and
  // then the element again on every update): the panel hears null only when the card leaves.
  const { cardRef } = p;
  const ref = useCallback((el: HTMLElement | null) => cardRef?.(draft.id, el), [cardRef, draft.id]);
  const zone = zoneOf(draft.confidence, draft.thresholds);
  const urgent = isUrgent(draft, p.now);
  const sensitivity = timeSensitivity(draft, p.now);
  const second = secondReviewStatus(draft);
  const model = modelLine(draft);
  const settled = p.local && (p.local.sync === 'pending' || p.local.sync === 'done');
  const title = `${KIND_LABEL[draft.kind]} · ${describeTarget(draft)}`;
  // High-risk friction: a manual draft is written by the person, never approved in one click, and
  // high-risk drafts are never part of a batch approval.
  const write = needsWriting(draft);
  const notInBatch = p.excluded !== undefined ? batchExclusionText(draft) : null;

  return (
    <article
      ref={ref}
      className={`cs-card${p.current ? ' cs-current' : ''}${p.excluded !== undefined ? ' cs-grouped' : ''}`}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-pos`}
      data-draft-id={draft.id}
      tabIndex={p.current ? 0 : -1}
      onFocus={(e) => {
        if (e.target === e.currentTarget || !p.current) p.onFocusCard(draft.id);
      }}
    >
      <div className="cs-head">
        <h3 id={`${id}-title`}>{title}</h3>
        <span id={`${id}-pos`} className="cs-sr">
          Draft {p.position} of {p.total}
        </span>
        <span className={`cs-conf cs-zone-${zone.zone}`}>{percent(draft.confidence)}</span>
        <span className={`cs-zone cs-zone-${zone.zone}`} title={zone.title}>
          {zone.label}
        </span>
        {p.forContext ? <span className="cs-badge">For this page</span> : null}
        {sensitivity ? <span className={`cs-badge${urgent ? ' cs-urgent' : ''}`}>{sensitivity}</span> : null}
        {claimedByOther(draft, p.now ?? Date.now()) ? (
          <span className="cs-badge cs-claimed">{draft.claimedByName ?? draft.claimedBy} is reviewing</span>
        ) : null}
        {(draft.flags ?? []).map((f) => (
          <span key={f} className="cs-badge cs-flag">
            {f}
          </span>
        ))}
      </div>
      <DraftContentView draft={draft} />
      {draft.reasons.length ? (
        <p className="cs-reasons">
          <span className="cs-label">Routed to you: </span>
          {draft.reasons.map(reasonText).join('; ')}
        </p>
      ) : null}
      {draft.priorityReason ? (
        <p className="cs-reasons">
          <span className="cs-label">Queue position: </span>
          {draft.priorityReason}
        </p>
      ) : null}
      <div>
        <p className="cs-label">Why the model is {zone.zone === 'high' ? 'sure' : 'unsure'}</p>
        <p className="cs-rationale">{draft.rationale}</p>
      </div>
      <div>
        <p className="cs-label">Evidence</p>
        <EvidenceList evidence={draft.evidence} />
      </div>
      <p className="cs-meta">
        <span>
          {draft.account.name}
          {draft.account.tier ? ` · ${draft.account.tier === 'named' ? 'Named account' : 'Standard account'}` : ''}
        </span>
        {draft.account.dealValue !== undefined ? <span>Deal {money(draft.account.dealValue)}</span> : null}
        {second ? <span>{second}</span> : null}
        {draft.escalationNote ? <span>Escalation note: {draft.escalationNote}</span> : null}
        {model ? <span>Model {model}</span> : null}
      </p>
      {settled ? (
        <p className="cs-settled">
          You chose {p.local!.action}
          {p.local!.sync === 'pending' ? ' — sending…' : ' — saved'}
        </p>
      ) : (
        <>
          {p.local?.sync === 'conflict' || p.local?.sync === 'rejected' ? (
            <p className="cs-settled cs-problem">
              {p.local.sync === 'conflict'
                ? `Already settled${p.local.decidedBy ? ` by ${p.local.decidedBy}` : ''}.`
                : `Not accepted: ${p.local.error ?? 'the server refused the decision'}.`}
            </p>
          ) : null}
          {p.mode === 'view' ? (
            <>
              {write ? (
                <p className="cs-friction">
                  Routed manual: the model is too unsure to approve this as it is. Write it from the draft: Edit, then
                  Save and approve.
                </p>
              ) : null}
              <div className="cs-actions">
                {write ? null : (
                  <button type="button" className="cs-primary" onClick={(e) => byPerson(e) && p.onApprove(draft.id)}>
                    Approve
                  </button>
                )}
                <button
                  type="button"
                  className={write ? 'cs-primary' : undefined}
                  onClick={(e) => byPerson(e) && p.onMode(draft.id, 'edit')}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="cs-danger"
                  onClick={(e) => byPerson(e) && p.onMode(draft.id, 'reject')}
                >
                  Reject
                </button>
                <button type="button" onClick={(e) => byPerson(e) && p.onMode(draft.id, 'escalate')}>
                  Escalate
                </button>
                {p.onCopy ? (
                  <button type="button" onClick={(e) => byPerson(e) && p.onCopy!(draft.id)}>
                    Copy
                  </button>
                ) : null}
                {p.excluded !== undefined && !notInBatch ? (
                  <label>
                    <input
                      type="checkbox"
                      checked={!p.excluded}
                      onClick={(e) => toggledByPerson(e, () => p.onToggleExcluded?.(draft.id))}
                      onChange={ignoreChange}
                    />
                    In batch
                  </label>
                ) : null}
              </div>
              {notInBatch ? <p className="cs-friction">{notInBatch}</p> : null}
            </>
          ) : p.mode === 'edit' ? (
            <EditForm
              draft={draft}
              onSave={(r) => p.onEditSave(draft.id, r)}
              onCancel={() => p.onMode(draft.id, 'view')}
            />
          ) : p.mode === 'reject' ? (
            <RejectForm onConfirm={(r) => p.onReject(draft.id, r)} onCancel={() => p.onMode(draft.id, 'view')} />
          ) : (
            <EscalateForm
              draft={draft}
              onConfirm={(r) => p.onEscalate(draft.id, r)}
              onCancel={() => p.onMode(draft.id, 'view')}
            />
          )}
        </>
      )}
    </article>
  );
});
