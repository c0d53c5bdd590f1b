import { useState } from 'react';
import type { AutonomyOut } from '../../lib/shared/schema/governance';
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
                .catch((e: unknown) => setStatus(e instanceof Error ? e.message : String(e)));
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
      <output className="status">{status}</output>
    </div>
  );
}
