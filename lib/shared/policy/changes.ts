import type { AutonomyChange } from '../schema/governance';

// A workflow's autonomy changes (tightened, loosened, stepped back, graduated, a skipped level) in
// the words a team lead reads: what changed, on which figures, against which limit. The server
// fills `summary` with this; the dashboard shows it.

const LEVEL_WORDS: Record<string, string> = {
  review_all: 'Review all',
  review_exceptions: 'Review exceptions',
  audit: 'Audit',
  autonomous: 'Autonomous',
};

/** A rate as a percentage: one decimal under 10% (4.0%), whole above (93%). */
export function ratePct(x: number): string {
  const p = x * 100;
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** A limit as people write it: 2%, 0.5%, 90%. */
function limitPct(x: number): string {
  const p = Math.round(x * 1000) / 10;
  return `${p}%`;
}

const levelWords = (l: string | null) => (l === null ? '—' : (LEVEL_WORDS[l] ?? l));

/** A threshold as stored in `from`/`to` ("0.98") as a percentage ("98%"). */
const thresholdWords = (t: string | null) => {
  const x = t === null ? Number.NaN : Number(t);
  return Number.isFinite(x) ? limitPct(x) : (t ?? '—');
};

/** A figure of the evidence, or null when the change does not carry it. */
const fig = (e: AutonomyChange['evidence'], k: string): number | null => {
  const v = e?.[k];
  return typeof v === 'number' ? v : null;
};

/** The false-auto figures of a change, when it carries them: "false-auto rate 4.0% over 100 audited drafts > 2%". */
function falseAutoWords(e: AutonomyChange['evidence'], rateKey: string, auditedKey: string): string | null {
  const rate = fig(e, rateKey);
  const audited = fig(e, auditedKey);
  if (rate === null || audited === null || audited <= 0) return null;
  const target = fig(e, 'target');
  return `false-auto rate ${ratePct(rate)} over ${audited} audited draft${audited === 1 ? '' : 's'}${
    target === null ? '' : ` ${rate > target ? '>' : '≤'} ${limitPct(target)}`
  }`;
}

/** One sentence for a change, from its kind, levels or thresholds and evidence. */
export function describeChange(c: AutonomyChange): string {
  const e = c.evidence;
  const by = c.actor === 'governance' ? ' (automatic)' : ` by ${c.actor}`;
  const move = `auto-approve threshold ${thresholdWords(c.from)} → ${thresholdWords(c.to)}`;
  switch (c.kind) {
    case 'tightened': {
      const why = falseAutoWords(e, 'falseAutoRate', 'audited');
      return why ? `Tightened: ${why}; ${move}${by}.` : `Tightened: ${move}${by}. ${c.reasons[0] ?? ''}`.trim();
    }
    case 'loosened': {
      const unnecessary = fig(e, 'unnecessaryReviewRate');
      const reviews = fig(e, 'reviews');
      if (unnecessary !== null && reviews !== null) {
        const above = fig(e, 'loosenAboveRate');
        const expected = fig(e, 'expectedFalseAutoRate');
        const target = fig(e, 'target');
        const limit = above === null ? '' : ` > ${limitPct(above)}`;
        const safe =
          expected === null
            ? ''
            : `, expected false-auto rate ${ratePct(expected)}${target === null ? '' : ` ≤ ${limitPct(target)}`}`;
        return `Loosened: ${ratePct(unnecessary)} of ${reviews} reviews approved unchanged${limit}${safe}; ${move}${by}.`;
      }
      return `Loosened: ${move}${by}. ${c.reasons[0] ?? ''}`.trim();
    }
    case 'step_back': {
      const levels = `${levelWords(c.from)} → ${levelWords(c.to)}`;
      const checked = fig(e, 'recentChecked');
      const postReview = fig(e, 'recentPostReviewErrorRate');
      const why =
        falseAutoWords(e, 'recentFalseAutoRate', 'recentAudited') ??
        (postReview !== null && checked !== null && checked > 0
          ? `${ratePct(postReview)} of ${checked} reviewed drafts later found wrong`
          : null);
      return why ? `Stepped back ${levels}: ${why}${by}.` : `Stepped back ${levels}${by}. ${c.reasons[0] ?? ''}`.trim();
    }
    case 'graduated': {
      const parts: string[] = [];
      const reviews = fig(e, 'reviews');
      const unchanged = fig(e, 'approveUnchangedRate');
      const audited = fig(e, 'auditedAuto');
      const falseAuto = fig(e, 'falseAutoRate');
      if (reviews !== null) parts.push(`${reviews} reviews`);
      if (unchanged !== null) parts.push(`${ratePct(unchanged)} approved unchanged`);
      if (audited !== null && audited > 0) {
        parts.push(`${audited} audited auto-approvals`);
        if (falseAuto !== null) parts.push(`false-auto rate ${ratePct(falseAuto)}`);
      }
      return `Graduated ${levelWords(c.from)} → ${levelWords(c.to)}${by}${parts.length ? `: ${parts.join(', ')}` : ''}.`;
    }
    case 'level_skipped':
      return `Level moved ${levelWords(c.from)} → ${levelWords(c.to)}, skipping a step${by}: “${c.reasons[0] ?? 'no reason'}”.`;
  }
}
