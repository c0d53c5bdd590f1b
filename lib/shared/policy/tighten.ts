import { mulberry32 } from './stats';

// The tightening rule as the practice guides write it ("if this rate exceeds 2%, tighten"): the
// observed false-auto-approval rate over the rolling window is above the target, once the window
// holds at least a minimum number of audited auto-approvals. No confidence bound: a bound makes a
// true 4% against a 2% target wait for hundreds of audits. The price is false alarms when the true
// rate sits just under the target; `detectionDelay` measures both.

/** Default minimum of audited auto-approvals in the window before the rule may fire. */
export const MIN_AUDITED_TO_TIGHTEN = 200;

/** Whether `wrong` of `audited` in the window calls for tightening. */
export function exceedsTarget(wrong: number, audited: number, target: number, minAudited: number): boolean {
  return audited >= minAudited && audited > 0 && wrong / audited > target;
}

export interface DelayOptions {
  trueRate: number;
  target: number;
  minAudited: number;
  /** Audited auto-approvals a day. */
  perDay: number;
  windowDays?: number;
  /** Days simulated per stream. */
  days?: number;
  runs?: number;
  seed?: number;
}

export interface DelayResult {
  trueRate: number;
  /** Share of streams in which the rule fired within `days`. */
  fired: number;
  /** Median audited drafts until it fired (over the streams where it did), or null. */
  medianAudited: number | null;
  /** 90th percentile of the same. */
  p90Audited: number | null;
}

/**
 * Simulated streams of audited auto-approvals at a true error rate, evaluated once a day over the
 * rolling window like the evaluator: how many audited drafts it takes the rule to fire.
 */
export function detectionDelay(o: DelayOptions): DelayResult {
  const windowDays = o.windowDays ?? 7;
  const days = o.days ?? 30;
  const runs = o.runs ?? 400;
  const rng = mulberry32(o.seed ?? 16);
  const delays: number[] = [];
  for (let r = 0; r < runs; r++) {
    const daily: number[] = [];
    for (let d = 0; d < days; d++) {
      let wrong = 0;
      for (let i = 0; i < o.perDay; i++) if (rng() < o.trueRate) wrong++;
      daily.push(wrong);
      const window = daily.slice(-windowDays);
      const audited = window.length * o.perDay;
      const w = window.reduce((a, b) => a + b, 0);
      if (exceedsTarget(w, audited, o.target, o.minAudited)) {
        delays.push((d + 1) * o.perDay);
        break;
      }
    }
  }
  delays.sort((a, b) => a - b);
  const at = (q: number) =>
    delays.length ? delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]! : null;
  return { trueRate: o.trueRate, fired: delays.length / runs, medianAudited: at(0.5), p90Audited: at(0.9) };
}
