import type { Content, Decision, DecisionAction, Draft } from '../../shared/schema';
import type { SyncState } from '../../shared/schema/protocol';

/** What this browser already knows about the person's own decision on a draft (from the worker). */
export interface LocalStatus {
  action: DecisionAction;
  sync: SyncState;
  decidedBy?: string | null;
  error?: string;
}

/** One draft as the panel receives it. */
export interface PanelItem {
  draft: Draft;
  local?: LocalStatus | null;
  /** The worker matched it to the page context (its `matching` list; the panel ranks with the same scorer). */
  matching?: boolean;
}

/** What happened when approved content was offered to the page. */
export interface ApplyOutcome {
  /** The text is now in the page's editor/fields. */
  placed: boolean;
  /** Where it was put, or where it will go ("Gmail compose to ana@acme.com", "HubSpot contact 42"). */
  where: string;
  /**
   * Takes the text back out of the page when the decision is undone (only if nobody changed it
   * since). May answer whether that worked: a failed revert is told to the person.
   */
  revert?: () => undefined | RevertResult | Promise<RevertResult>;
  /** Why the text did not land, in words (issue 18): "No compose window to Jonas Berg is open: …". */
  message?: string;
  /** Offered for Copy although the text was placed: the parts that did not land (with `message`). */
  copy?: string;
  /** Opens a compose window for the draft's person where the site allows it. */
  openCompose?: () => void;
}

/** What an undo did to the page. */
export interface RevertResult {
  ok: boolean;
  /** Said to the person when the text could not be taken out. */
  message?: string;
}

/** A decision (or a batch) waiting out its undo window. */
export interface PendingGroup {
  key: string;
  /** What the undo bar says, e.g. "Approved: Email to Ana". */
  label: string;
  entries: Array<{ decision: Decision; draft: Draft }>;
  apply?: ApplyOutcome;
  /** Approved content is being put into the page (the editors answer asynchronously). */
  applying?: boolean;
  /** Text offered for Copy when it could not be placed on the page. */
  copy?: string;
  content?: Content;
}

/** Where the panel sits and whether it is folded to a tab; kept in extension storage. */
export interface PanelPlacement {
  side: 'left' | 'right';
  /** Distance from the top of the viewport, px. */
  top: number;
  collapsed: boolean;
}

export const DEFAULT_PLACEMENT: PanelPlacement = { side: 'right', top: 80, collapsed: false };
