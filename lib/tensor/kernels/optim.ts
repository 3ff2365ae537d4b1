import { hostValues } from '../device-copies';
import { TypedArray } from '../dtype';

/** One Adam update of a parameter, in place: its values, gradient and two moment estimates, and the step's constants. */
export interface AdamUpdate {
  theta: TypedArray;
  grad: TypedArray;
  m: TypedArray;
  v: TypedArray;
  beta1: number;
  beta2: number;
  /** The step size with the bias correction folded in: lr·√(1 − β2ᵗ) / (1 − β1ᵗ). */
  lrT: number;
  epsilon: number;
}

/** The update with its arrays' values on the host, for a backend that computes there (device-copies.ts). */
export function updateOnHost(u: AdamUpdate): AdamUpdate {
  return { ...u, theta: hostValues(u.theta), grad: hostValues(u.grad), m: hostValues(u.m), v: hostValues(u.v) };
}

/**
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,   θ ← θ − lr_t·m / (√v + ε)
 * for elements [from, to), in float64 arithmetic, each result rounded once when stored.
 */
export function adamUpdateReference(u: AdamUpdate, from = 0, to = u.theta.length): void {
  const { theta, grad: g, m, v, beta1: b1, beta2: b2, lrT, epsilon } = u;
  for (let i = from; i < to; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    theta[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + epsilon);
  }
}

/** Whether every value (from index `from`) is finite: no NaN, no ±∞. */
export function allFiniteReference(data: ArrayLike<number>, from = 0): boolean {
  for (let i = from; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}
