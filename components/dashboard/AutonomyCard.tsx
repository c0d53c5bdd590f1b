import { useState } from 'react';
import { errorText } from '../../lib/shared/error-text';
import type { AutonomyOut } from '../../lib/shared/schema/governance';
import { AutonomyChanges } from './AutonomyChanges';
import { num, pct } from './format';

const LEVEL_TEXT = {
  review_all: 'Review all',
  review_exceptions: 'Review exceptions',
  audit: 'Audit',
  autonomous: 'Autonomous',
} as const;

function fmt(key: string, v: number | null): string {
  if (v === null) return '—';
  return /rate|bound/i.test(key) ? pct(v, 1) : num(v);
}

const versionText = (v: string | null) => v ?? '(no model named)';

/** The evidence a new model version does not inherit: shown apart, not counted (issue 16). */
function ModelEvidence({ autonomy }: { autonomy: AutonomyOut }) {
  if (autonomy.modelVersion === undefined) return null;
  const earlier = autonomy.earlierEvidence;
  return (
    <section className="model-evidence" aria-label="Evidence by model version">
      <p>
        Evidence counted for model version{' '}
        <strong data-testid="model-version">{versionText(autonomy.modelVersion)}</strong>
        {earlier ? ' only: a new model version earns autonomy again.' : '.'}
      </p>
      {earlier ? (
        <div className="earlier-evidence">
          <p>
            <strong>Earlier evidence</strong> (not counted), from {earlier.modelVersions.map(versionText).join(', ')}:
          </p>
          <dl className="evidence">
            {Object.entries(earlier.evidence).map(([k, v]) => (
              <div key={k}>
                <dt>{k.replace(/([A-Z])/g, ' $1').toLowerCase()}</dt>
                <dd>{fmt(k, v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </section>
  );
}

/** The graduation proposal with the numbers behind it; applied only when an admin accepts. */
export function AutonomyCard({ autonomy, accept }: { autonomy: AutonomyOut; accept(): Promise<void> }) {
  const [status, setStatus] = useState<string | null>(null);
  const p = autonomy.proposal;
  return (
    <div className="autonomy">
      <p>
        Level: <strong data-testid="level">{LEVEL_TEXT[autonomy.level]}</strong>
      </p>
      {p ? (
        <div className={p.kind === 'step_back' ? 'proposal back' : 'proposal'}>
          <p>
            <strong>
              {p.kind === 'graduate' ? 'Ready to graduate' : 'Quality dipped: step back'} to {LEVEL_TEXT[p.to]}
            </strong>
          </p>
          <ul>
            {p.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <dl className="evidence">
            {Object.entries(p.evidence).map(([k, v]) => (
              <div key={k}>
                <dt>{k.replace(/([A-Z])/g, ' $1').toLowerCase()}</dt>
                <dd>{fmt(k, v)}</dd>
              </div>
            ))}
          </dl>
          <button
            type="button"
            onClick={() => {
              setStatus('Saving…');
              accept()
                .then(() => setStatus(`Moved to ${LEVEL_TEXT[p.to]}.`))
                .catch((e: unknown) => setStatus(errorText(e)));
            }}
          >
            {p.kind === 'graduate' ? `Graduate to ${LEVEL_TEXT[p.to]}` : `Step back to ${LEVEL_TEXT[p.to]}`}
          </button>
        </div>
      ) : (
        <ul className="blockers">
          {autonomy.blockers.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <ModelEvidence autonomy={autonomy} />
      <AutonomyChanges changes={autonomy.changes} />
      <output className="status">{status}</output>
    </div>
  );
}
