/** Minimal scales for hand-drawn SVG charts (no chart library: the charts are few and simple). */

export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function linear(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** x and y scales mapping a data domain onto the frame's plot area (y grows upwards). */
export function scales(f: Frame, x: [number, number], y: [number, number]) {
  return {
    x: linear(x, [f.left, f.width - f.right]),
    y: linear(y, [f.height - f.bottom, f.top]),
  };
}

/** "M x y L x y …" for a polyline, skipping points with no value (gaps stay gaps). */
export function path(points: readonly (readonly [number, number | null])[]): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (y === null || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}

export function ticks(lo: number, hi: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= count; i++) out.push(lo + ((hi - lo) * i) / count);
  return out;
}
