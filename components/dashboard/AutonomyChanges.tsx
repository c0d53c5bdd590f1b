import { describeChange } from '../../lib/shared/policy/changes';
import type { AutonomyChange } from '../../lib/shared/schema/governance';

const KIND_CLASS: Record<AutonomyChange['kind'], string> = {
  tightened: 'tightened',
  loosened: 'loosened',
  step_back: 'tightened',
  graduated: 'loosened',
  level_skipped: 'skipped',
};

/** When a day/time was: "2026-11-20 14:05 UTC". */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * The workflow's latest autonomy changes (issue 16), newest first, each in one sentence a team lead
 * reads: "Tightened: false-auto rate 4.0% over 100 audited drafts > 2%; auto-approve threshold 98% → 99%".
 */
export function AutonomyChanges({ changes }: { changes: readonly AutonomyChange[] | undefined }) {
  if (!changes) return null;
  return (
    <section className="autonomy-changes" aria-label="Recent autonomy changes">
      <h4>Recent changes</h4>
      {changes.length === 0 ? (
        <p className="empty">No tightening, loosening or level change yet.</p>
      ) : (
        <ol>
          {changes.map((c) => (
            <li key={`${c.at}-${c.kind}-${c.to}`} className={KIND_CLASS[c.kind]}>
              <time dateTime={c.at}>{when(c.at)}</time> {c.summary ?? describeChange(c)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
