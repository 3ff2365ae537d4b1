/** Timing helpers for the benchmarks: warm up, then the median of repeated runs (this machine is shared and noisy). */

export interface Timing {
  /** Median seconds per run. */
  seconds: number;
  runs: number;
}

export function measure(fn: () => unknown, options: { minSeconds?: number; maxRuns?: number } = {}): Timing {
  const { minSeconds = 0.5, maxRuns = 7 } = options;
  fn(); // warm-up: JIT, kernel compilation, worker start
  const times: number[] = [];
  const start = process.hrtime.bigint();
  while (times.length < maxRuns && (times.length < 2 || Number(process.hrtime.bigint() - start) / 1e9 < minSeconds)) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)], runs: times.length };
}

export function formatRatio(x: number): string {
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`;
}
