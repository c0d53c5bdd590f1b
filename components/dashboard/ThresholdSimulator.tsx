import { useEffect, useId, useState } from 'react';
import { errorText } from '../../lib/shared/error-text';
import type { Recommendation, SimulationOut, ThresholdCurvePoint } from '../../lib/shared/schema/governance';
import { type Frame, path, scales, ticks } from './chart';
import { num, pct } from './format';

const F: Frame = { width: 640, height: 260, left: 48, right: 52, top: 14, bottom: 36 };

export interface ThresholdSimulatorProps {
  autoThreshold: number;
  reviewThreshold: number;
  target: number;
  recommendation: Recommendation | null;
  simulate(autoThreshold: number, reviewThreshold: number): Promise<SimulationOut>;
  /** Writes the thresholds to the workflow policy; absent = read-only. */
  apply?(autoThreshold: number, reviewThreshold: number): Promise<void>;
}

/**
 * What-if for any pair of thresholds on recent drafts: sliders for both thresholds, the outcome
 * (auto rate, review load per day, expected wrong auto-approvals) and a curve of auto rate and
 * false-auto-approval rate (with its 95% upper bound) across thresholds against the target.
 */
export function ThresholdSimulator(props: ThresholdSimulatorProps) {
  const [auto, setAuto] = useState(props.autoThreshold);
  const [review, setReview] = useState(props.reviewThreshold);
  const [sim, setSim] = useState<SimulationOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const autoId = useId();
  const reviewId = useId();
  const { simulate } = props;

  useEffect(() => {
    setAuto(props.autoThreshold);
    setReview(props.reviewThreshold);
  }, [props.autoThreshold, props.reviewThreshold]);

  // Debounced so dragging a slider asks the server once it settles, not on every pixel.
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      simulate(auto, Math.min(review, auto))
        .then((s) => {
          if (live) {
            setSim(s);
            setError(null);
          }
        })
        .catch((e: unknown) => live && setError(errorText(e)));
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [auto, review, simulate]);

  const rec = props.recommendation;
  const over = sim?.falseAutoHigh != null && sim.falseAutoHigh > props.target;
  return (
    <div className="simulator">
      <div className="sliders">
        <label htmlFor={autoId}>
          Auto threshold <output data-testid="auto-value">{pct(auto)}</output>
        </label>
        <input
          id={autoId}
          type="range"
          min={0.5}
          max={1}
          step={0.01}
          value={auto}
          onChange={(e) => {
            const v = Number(e.target.value);
            setAuto(v);
            if (review > v) setReview(v);
          }}
        />
        <label htmlFor={reviewId}>
          Review threshold <output data-testid="review-value">{pct(review)}</output>
        </label>
        <input
          id={reviewId}
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={review}
          onChange={(e) => setReview(Math.min(Number(e.target.value), auto))}
        />
        <div className="buttons">
          {rec?.autoThreshold != null && (
            <button
              type="button"
              onClick={() => {
                setAuto(rec.autoThreshold!);
                setReview(Math.min(rec.reviewThreshold, rec.autoThreshold!));
              }}
            >
              Use recommendation
            </button>
          )}
          {props.apply && (
            <button
              type="button"
              onClick={() => {
                setStatus('Saving…');
                props.apply!(auto, Math.min(review, auto))
                  .then(() => setStatus(`Saved: auto ${pct(auto)}, review ${pct(Math.min(review, auto))}.`))
                  .catch((e: unknown) => setStatus(errorText(e)));
              }}
            >
              Apply thresholds
            </button>
          )}
        </div>
        <output className="status">{status}</output>
      </div>
      {error && <p className="error">{error}</p>}
      {sim && (
        <dl className="sim-results" data-testid="simulation">
          <div>
            <dt>Auto-approved</dt>
            <dd>
              {pct(sim.autoRate, 1)} <small>({num(sim.autoPerDay, 1)}/day)</small>
            </dd>
          </div>
          <div>
            <dt>Review load</dt>
            <dd>
              {num(sim.reviewLoadPerDay, 1)}/day <small>(manual {pct(sim.manualRate, 1)})</small>
            </dd>
          </div>
          <div className={over ? 'warn' : undefined}>
            <dt>False auto-approvals</dt>
            <dd>
              {pct(sim.falseAutoRate, 2)}{' '}
              <small>
                (95%: {pct(sim.falseAutoLow, 1)}–{pct(sim.falseAutoHigh, 1)}; target {pct(props.target, 1)})
              </small>
            </dd>
          </div>
          <div>
            <dt>Expected wrong auto-approvals</dt>
            <dd>{sim.expectedErrorsPerDay === null ? '—' : `${num(sim.expectedErrorsPerDay, 2)}/day`}</dd>
          </div>
          <div>
            <dt>Unnecessary reviews</dt>
            <dd>{pct(sim.unnecessaryReviewRate)}</dd>
          </div>
          <div>
            <dt>Evidence in the auto zone</dt>
            <dd>{num(sim.labelledInAutoZone)} checked drafts</dd>
          </div>
        </dl>
      )}
      {sim && (
        <ThresholdCurve curve={sim.curve} auto={auto} target={props.target} recommended={rec?.autoThreshold ?? null} />
      )}
    </div>
  );
}

function ThresholdCurve(props: {
  curve: ThresholdCurvePoint[];
  auto: number;
  target: number;
  recommended: number | null;
}) {
  const titleId = useId();
  const { curve, auto, target } = props;
  const maxErr = Math.max(target * 3, 0.05, ...curve.map((c) => Math.min(0.3, c.falseAutoRate ?? 0)));
  const { x, y } = scales(F, [0.5, 1], [0, 1]);
  const ye = scales(F, [0, 1], [0, maxErr]).y;
  return (
    <figure className="chart wide">
      <svg viewBox={`0 0 ${F.width} ${F.height}`} role="img" aria-labelledby={titleId} data-testid="threshold-curve">
        <title id={titleId}>Auto-approval rate and false-auto-approval rate by threshold</title>
        {ticks(0, 1, 4).map((t) => (
          <g key={t} className="grid">
            <line x1={F.left} x2={F.width - F.right} y1={y(t)} y2={y(t)} />
            <text x={F.left - 6} y={y(t) + 4} textAnchor="end">
              {pct(t)}
            </text>
            <text x={F.width - F.right + 6} y={ye(t * maxErr) + 4}>
              {pct(t * maxErr, 1)}
            </text>
          </g>
        ))}
        {ticks(0.5, 1, 5).map((t) => (
          <text key={t} className="tick" x={x(t)} y={F.height - F.bottom + 16} textAnchor="middle">
            {pct(t)}
          </text>
        ))}
        <line className="target" x1={F.left} x2={F.width - F.right} y1={ye(target)} y2={ye(target)}>
          <title>{`Target ${pct(target, 1)}`}</title>
        </line>
        <path className="line auto" d={path(curve.map((c) => [x(c.threshold), y(c.autoRate)]))} />
        <path
          className="line err"
          d={path(
            curve.map((c) => [x(c.threshold), c.falseAutoRate === null ? null : ye(Math.min(maxErr, c.falseAutoRate))]),
          )}
        />
        <path
          className="line bound"
          d={path(
            curve.map((c) => [x(c.threshold), c.upperBound === null ? null : ye(Math.min(maxErr, c.upperBound))]),
          )}
        />
        {props.recommended !== null && (
          <line
            className="recommended"
            x1={x(props.recommended)}
            x2={x(props.recommended)}
            y1={F.top}
            y2={F.height - F.bottom}
          >
            <title>{`Recommended ${pct(props.recommended)}`}</title>
          </line>
        )}
        <line className="marker" x1={x(auto)} x2={x(auto)} y1={F.top} y2={F.height - F.bottom} />
      </svg>
      <figcaption className="legend">
        <span className="key auto">Auto-approval rate (left)</span>
        <span className="key err">False-auto-approval rate (right)</span>
        <span className="key bound">its 95% upper bound</span>
        <span className="key target">Target</span>
        <span className="key recommended">Recommended</span>
      </figcaption>
    </figure>
  );
}
