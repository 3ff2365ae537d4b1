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

/**
 * The loss of one triplet, t = d(a,p) − d(a,n): the hinge max(t + margin, 0), or (soft = 1) softplus(t) — the
 * formulas of kernels/triplet.ts `tripletTerm`.
 */
export function tripletValue(t: number, margin: number, soft: number): number {
  if (soft === 1) return Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
  return Math.max(t + margin, 0);
}

/** dℓ/dt: 1 from t + margin ≥ 0 on (a tie counts), or σ(t) for the softplus. */
export function tripletSlope(t: number, margin: number, soft: number): number {
  if (soft === 1) {
    if (t >= 0) return 1 / (1 + Math.exp(-t));
    return Math.exp(t) / (1 + Math.exp(t));
  }
  if (t + margin >= 0) return 1;
  return 0;
}

/** 1 / max(count + epsilon, floor): what makes a loss's sum its mean (kernels/triplet.ts `meanScale`). */
export function meanScale(count: number, epsilon: number, floor: number): number {
  return 1 / Math.max(count + epsilon, floor);
}

export const KERNEL_FUNCTIONS = [quotient, remainder, tripletValue, tripletSlope, meanScale];
