/**
 * Trend of a sampled series (RSS over a soak): the least-squares slope over the second
 * half (per minute; the first half holds the warm-up), and the mean of the first and
 * last thirds of the samples taken after the warm-up.
 */
export interface Trend {
  /** units per minute over the second half of the samples */
  slopePerMinute: number;
  firstThirdMean: number;
  lastThirdMean: number;
}

export function slope(points: ReadonlyArray<{ t: number; v: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const mv = points.reduce((s, p) => s + p.v, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.v - mv);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** `points`: t in milliseconds, v in any unit; `warmupMs` leaves the start out of the thirds. */
export function trend(points: ReadonlyArray<{ t: number; v: number }>, warmupMs: number): Trend {
  const half = points.slice(Math.floor(points.length / 2));
  const steady = points.filter((p) => p.t >= warmupMs);
  const third = Math.max(1, Math.floor(steady.length / 3));
  const mean = (xs: ReadonlyArray<{ v: number }>) => xs.reduce((s, p) => s + p.v, 0) / Math.max(1, xs.length);
  return {
    slopePerMinute: slope(half) * 60_000,
    firstThirdMean: mean(steady.slice(0, third)),
    lastThirdMean: mean(steady.slice(-third)),
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
