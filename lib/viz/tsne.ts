import { Rng, ValueError } from '../autograd';

export interface TsneOptions {
  /** The effective number of neighbours each point keeps (the original's figure used 25). */
  perplexity?: number;
  iterations?: number;
  /** Default: max(N / 12 / 4, 50), scikit-learn's rule (a fixed 200 scatters small maps). */
  learningRate?: number;
}

/**
 * The affinities p(j|i) ∝ exp(−β_i·d²_ij), with each β_i found by bisection so that the distribution's
 * perplexity 2^H equals the target; then symmetrised, P = (P + Pᵀ) / 2N.
 */
function affinities(data: ArrayLike<number>, n: number, dim: number, perplexity: number): Float32Array {
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (data[i * dim + k] - data[j * dim + k]) ** 2;
      d2[i * n + j] = d2[j * n + i] = s;
    }
  }
  const p = new Float32Array(n * n); // N² values: float32 halves the memory traffic of every iteration
  const target = Math.log(perplexity); // entropy in nats
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let [beta, low, high] = [1, 0, Infinity];
    for (let attempt = 0; attempt < 64; attempt++) {
      let sum = 0;
      let weighted = 0;
      for (let j = 0; j < n; j++) {
        row[j] = j === i ? 0 : Math.exp(-beta * d2[i * n + j]);
        sum += row[j];
        weighted += row[j] * d2[i * n + j];
      }
      const entropy = Math.log(sum) + (beta * weighted) / sum;
      if (Math.abs(entropy - target) < 1e-5) break;
      if (entropy > target) [low, beta] = [beta, high === Infinity ? beta * 2 : (beta + high) / 2];
      else [high, beta] = [beta, (beta + low) / 2];
    }
    const sum = row.reduce((a, b) => a + b, 0) || 1;
    for (let j = 0; j < n; j++) p[i * n + j] = row[j] / sum;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = Math.max((p[i * n + j] + p[j * n + i]) / (2 * n), 1e-12);
      p[i * n + j] = p[j * n + i] = v;
    }
  }
  return p;
}

/**
 * Exact t-SNE (van der Maaten & Hinton 2008) to two dimensions: O(N²) per iteration, for up to a few thousand
 * points. Gradient descent with momentum (0.5, then 0.8), per-coordinate gains, and early exaggeration (×12 for
 * the first 250 iterations). Starting points are drawn from the seeded generator: same seed, same map.
 * Returns [N·2] coordinates.
 */
export function tsne(
  data: ArrayLike<number>,
  n: number,
  dim: number,
  rng: Rng,
  options: TsneOptions = {},
): Float64Array {
  const { perplexity = 25, iterations = 750, learningRate = Math.max(n / 12 / 4, 50) } = options;
  if (n < 3 || perplexity >= n)
    throw new ValueError(`tsne: needs more points (${n}) than the perplexity (${perplexity}), and at least 3`);
  const p = affinities(data, n, dim, perplexity);
  const y = new Float64Array(2 * n).map(() => rng.normal(0, 1e-4));
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const grad = new Float64Array(2 * n);
  const num = new Float32Array(n * n);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const exaggeration = iteration < 250 ? 12 : 1;
    const momentum = iteration < 250 ? 0.5 : 0.8;
    // Student-t similarities q_ij = (1 + ‖y_i − y_j‖²)⁻¹ / Z
    let z = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = 1 / (1 + (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2);
        num[i * n + j] = v;
        z += 2 * v;
      }
    }
    // ∂C/∂y_i = 4 Σ_j (p_ij − q_ij)·(1 + ‖y_i − y_j‖²)⁻¹·(y_i − y_j)
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const v = num[i * n + j];
        const force = 4 * (exaggeration * p[i * n + j] - v / z) * v;
        const dx = (y[2 * i] - y[2 * j]) * force;
        const dy = (y[2 * i + 1] - y[2 * j + 1]) * force;
        grad[2 * i] += dx;
        grad[2 * i + 1] += dy;
        grad[2 * j] -= dx;
        grad[2 * j + 1] -= dy;
      }
    }
    for (let k = 0; k < 2 * n; k++) {
      gains[k] = Math.sign(grad[k]) !== Math.sign(update[k]) ? gains[k] + 0.2 : Math.max(gains[k] * 0.8, 0.01);
      update[k] = momentum * update[k] - learningRate * gains[k] * grad[k];
      y[k] += update[k];
    }
  }
  return y;
}
