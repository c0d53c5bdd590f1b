import { useId } from 'react';
import type { Calibration } from '../../lib/shared/schema/governance';
import { type Frame, scales, ticks } from './chart';
import { num, pct } from './format';

const F: Frame = { width: 420, height: 340, left: 48, right: 16, top: 16, bottom: 88 };
const HIST_H = 40;

/**
 * Reliability diagram: per confidence bin, the share of drafts that were right (dot, with its 95%
 * interval) against the diagonal of perfect calibration; red bars show the gap. Below, how many
 * drafts fall in each bin, because a gap over a handful of drafts means little.
 */
export function ReliabilityDiagram({ calibration }: { calibration: Calibration }) {
  const titleId = useId();
  const descId = useId();
  const plotBottom = F.height - F.bottom;
  const { x, y } = scales({ ...F }, [0, 1], [0, 1]);
  const maxCount = Math.max(1, ...calibration.bins.map((b) => b.count));
  const histTop = plotBottom + 34;
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${F.width} ${F.height}`}
        role="img"
        aria-labelledby={titleId}
        aria-describedby={descId}
        data-testid="reliability-diagram"
      >
        <title id={titleId}>Reliability diagram</title>
        <desc id={descId}>
          Observed accuracy against model confidence in 10 bins; ECE {pct(calibration.ece, 1)} over {calibration.n}{' '}
          drafts.
        </desc>
        {ticks(0, 1, 5).map((t) => (
          <g key={t} className="grid">
            <line x1={x(0)} x2={x(1)} y1={y(t)} y2={y(t)} />
            <text x={x(0) - 6} y={y(t) + 4} textAnchor="end">
              {pct(t)}
            </text>
            <text x={x(t)} y={plotBottom + 16} textAnchor="middle">
              {pct(t)}
            </text>
          </g>
        ))}
        <line className="diagonal" x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} />
        {calibration.bins.map((b) => {
          if (b.count === 0 || b.accuracy === null || b.meanConfidence === null) return null;
          const cx = x(b.meanConfidence);
          const thin = b.count < 10;
          return (
            <g key={b.lo} className={thin ? 'bin thin' : 'bin'} data-testid="calibration-bin">
              <rect
                className="gap"
                x={x(b.lo) + 3}
                width={x(b.hi) - x(b.lo) - 6}
                y={Math.min(y(b.accuracy), y(b.meanConfidence))}
                height={Math.abs(y(b.accuracy) - y(b.meanConfidence))}
              />
              {b.accuracyLow != null && b.accuracyHigh != null && (
                <line className="ci" x1={cx} x2={cx} y1={y(b.accuracyLow)} y2={y(b.accuracyHigh)} />
              )}
              <circle cx={cx} cy={y(b.accuracy)} r={4}>
                <title>
                  {`${pct(b.lo)}–${pct(b.hi)}: ${num(b.count)} drafts, confidence ${pct(b.meanConfidence, 1)}, right ${pct(b.accuracy, 1)}`}
                </title>
              </circle>
            </g>
          );
        })}
        <text className="axis-label" x={(x(0) + x(1)) / 2} y={plotBottom + 30} textAnchor="middle">
          Model confidence
        </text>
        <text className="axis-label" transform={`translate(12 ${(y(0) + y(1)) / 2}) rotate(-90)`} textAnchor="middle">
          Observed right
        </text>
        {calibration.bins.map((b) => {
          const h = (b.count / maxCount) * HIST_H;
          return (
            <rect
              key={`h${b.lo}`}
              className="hist"
              x={x(b.lo) + 2}
              width={x(b.hi) - x(b.lo) - 4}
              y={histTop + HIST_H - h}
              height={h}
            >
              <title>{`${pct(b.lo)}–${pct(b.hi)}: ${num(b.count)} drafts`}</title>
            </rect>
          );
        })}
        <text className="axis-label" x={x(0) - 6} y={histTop + HIST_H} textAnchor="end">
          n
        </text>
      </svg>
      <figcaption>
        ECE <strong>{pct(calibration.ece, 1)}</strong> · Brier <strong>{num(calibration.brier, 3)}</strong> ·{' '}
        {num(calibration.n)} checked drafts
        {calibration.overconfidence != null && Math.abs(calibration.overconfidence) >= 0.02 && (
          <>
            {' '}
            · on average {calibration.overconfidence > 0 ? 'over' : 'under'}-confident by{' '}
            {pct(Math.abs(calibration.overconfidence), 1)}
          </>
        )}
      </figcaption>
      <details>
        <summary>Bins as a table</summary>
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Confidence</th>
              <th scope="col">Drafts</th>
              <th scope="col">Mean confidence</th>
              <th scope="col">Right</th>
              <th scope="col">95% interval</th>
            </tr>
          </thead>
          <tbody>
            {calibration.bins.map((b) => (
              <tr key={b.lo}>
                <td>
                  {pct(b.lo)}–{pct(b.hi)}
                </td>
                <td>{num(b.count)}</td>
                <td>{pct(b.meanConfidence, 1)}</td>
                <td>{pct(b.accuracy, 1)}</td>
                <td>{b.accuracyLow == null ? '—' : `${pct(b.accuracyLow, 1)}–${pct(b.accuracyHigh ?? null, 1)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
