import { ThreadPool } from './pool';

/**
 * GFLOPS of the float32 register tile alone (the `tiles` kernel, 4×8, FMA where relaxed SIMD has it) on operands
 * that stay in L1: 8 panels of A (4 rows × 256) and one 256 × 8 panel of B, the best of a few ~0.1 s runs — the
 * ceiling every product of this backend works under. For the bench; NaN where WebAssembly SIMD is missing.
 */
export function microKernelGflops(): number {
  const pool = new ThreadPool(1);
  const k = pool.main.kernels;
  if (!k) return NaN;
  const [kc, panels] = [256, 8];
  const a = pool.heap.alloc(panels * 4 * kc * 4);
  const b = pool.heap.alloc(kc * 8 * 4);
  const c = pool.heap.alloc(panels * 4 * 8 * 4);
  const values = pool.heap.view('float32');
  for (let i = a / 4; i < (c + panels * 4 * 8 * 4) / 4; i++) values[i] = ((i * 7919) % 1000) / 1000;
  const call = (): void => k.tiles(a, kc * 4, 4, b, 8 * 4, kc, panels, c, 8 * 4, 0);
  let best = Infinity;
  const reps = 2000;
  for (let round = 0; round < 6; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) call();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return (2 * panels * 4 * 8 * kc * reps) / best / 1e9;
}
