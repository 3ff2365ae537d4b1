/**
 * Helpers every gpu.js kernel may call (gpujs.ts adds them to each device; kernels.ts declares them). Like the
 * kernels, gpu.js transpiles their source, so they use only what it understands.
 */

/**
 * ⌊x / n⌋ exactly, for integers |x| < 2²⁴ and n ≥ 1. The floating-point quotient may be off by one (WGSL allows
 * a division 2.5 ULP off), which the remainder shows: r = x − q·n is exact in float32 for such numbers, and
 * 0 ≤ r < n holds only for the right q.
 */
export function quotient(x: number, n: number): number {
  let q = Math.floor(x / n);
  const r = x - q * n;
  if (r < 0) q = q - 1;
  if (r >= n) q = q + 1;
  return q;
}

/** x − ⌊x / n⌋·n: where x falls within its row of n (the other half of splitting an index). */
export function remainder(x: number, n: number): number {
  return x - quotient(x, n) * n;
}

export const KERNEL_FUNCTIONS = [quotient, remainder];
