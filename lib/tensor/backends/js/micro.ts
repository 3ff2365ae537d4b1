import { ThreadPool } from './pool';

/** The float32 register tile alone, ready to be timed: `seconds(reps)` runs it `reps` times. */
export interface RegisterTileTimer {
  flopsPerRun: number;
  seconds(reps: number): number;
}

/**
 * The register tile (the `tiles` kernel, 4×8, FMA where relaxed SIMD has it) on operands that stay in L1: 8
 * panels of A (4 rows × 256) and one 256 × 8 panel of B — the ceiling every product of this backend works
 * under. Null where WebAssembly SIMD is missing.
 */
export function registerTileTimer(): RegisterTileTimer | null {
  const pool = new ThreadPool(1);
  const k = pool.main.kernels;
  if (!k) return null;
  const [kc, panels] = [256, 8];
  const a = pool.heap.alloc(panels * 4 * kc * 4);
  const b = pool.heap.alloc(kc * 8 * 4);
  const c = pool.heap.alloc(panels * 4 * 8 * 4);
  const values = pool.heap.view('float32');
  for (let i = a / 4; i < (c + panels * 4 * 8 * 4) / 4; i++) values[i] = ((i * 7919) % 1000) / 1000;
  return {
    flopsPerRun: 2 * panels * 4 * 8 * kc,
    seconds(reps: number): number {
      const start = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) k.tiles(a, kc * 4, 4, b, 8 * 4, kc, panels, c, 8 * 4, 0);
      return Number(process.hrtime.bigint() - start) / 1e9;
    },
  };
}

/** GFLOPS of the register tile, the best of a few ~5 ms runs; NaN where WebAssembly SIMD is missing. For the bench. */
export function microKernelGflops(): number {
  const timer = registerTileTimer();
  if (!timer) return NaN;
  const reps = 2000;
  let best = Infinity;
  for (let round = 0; round < 6; round++) best = Math.min(best, timer.seconds(reps));
  return (timer.flopsPerRun * reps) / best / 1e9;
}
