import { useId } from 'react';
import type { DailyPoint } from '../../lib/shared/schema/governance';
import { type Frame, path, scales, ticks } from './chart';
import { pct } from './format';

const F: Frame = { width: 640, height: 240, left: 44, right: 44, top: 14, bottom: 34 };

/**
 * Day by day: review volume (bars, right axis), and the approved-unchanged and override rates
 * (lines, left axis) over the healthy override band of 5–20%.
 */
export function TrendChart({ daily }: { daily: DailyPoint[] }) {
  const titleId = useId();
  if (daily.length === 0) return <p className="empty">No activity in this window yet.</p>;
  const n = daily.length;
  const { x, y } = scales(F, [0, Math.max(1, n - 1)], [0, 1]);
  const maxVol = Math.max(1, ...daily.map((d) => d.reviews + d.autoApproved));
  const yv = scales(F, [0, 1], [0, maxVol]).y;
  const barW = Math.max(2, ((F.width - F.left - F.right) / n) * 0.6);
  const labelEvery = Math.ceil(n / 8);
  return (
    <figure className="chart wide">
      <svg viewBox={`0 0 ${F.width} ${F.height}`} role="img" aria-labelledby={titleId} data-testid="trend-chart">
        <title id={titleId}>Trends over time</title>
        <rect className="band" x={F.left} width={F.width - F.left - F.right} y={y(0.2)} height={y(0.05) - y(0.2)}>
          <title>Healthy override band, 5–20%</title>
        </rect>
        {ticks(0, 1, 4).map((t) => (
          <g key={t} className="grid">
            <line x1={F.left} x2={F.width - F.right} y1={y(t)} y2={y(t)} />
            <text x={F.left - 6} y={y(t) + 4} textAnchor="end">
              {pct(t)}
            </text>
            <text x={F.width - F.right + 6} y={yv(t * maxVol) + 4}>
              {Math.round(t * maxVol)}
            </text>
          </g>
        ))}
        {daily.map((d, i) => (
          <g key={d.day}>
            <rect className="vol" x={x(i) - barW / 2} width={barW} y={yv(d.reviews)} height={yv(0) - yv(d.reviews)}>
              <title>{`${d.day}: ${d.reviews} reviews, ${d.autoApproved} auto-approved, ${d.drafts} new drafts`}</title>
            </rect>
            {i % labelEvery === 0 && (
              <text className="tick" x={x(i)} y={F.height - F.bottom + 16} textAnchor="middle">
                {d.day.slice(5)}
              </text>
            )}
          </g>
        ))}
        <path
          className="line approve"
          d={path(daily.map((d, i) => [x(i), d.approveUnchangedRate === null ? null : y(d.approveUnchangedRate)]))}
        />
        <path
          className="line override"
          d={path(daily.map((d, i) => [x(i), d.overrideRate === null ? null : y(d.overrideRate)]))}
        />
      </svg>
      <figcaption className="legend">
        <span className="key approve">Approved unchanged</span>
        <span className="key override">Override rate (edit + reject)</span>
        <span className="key band">Healthy override band 5–20%</span>
        <span className="key vol">Reviews per day</span>
      </figcaption>
    </figure>
  );
}
