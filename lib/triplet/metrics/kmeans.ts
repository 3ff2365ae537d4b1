import { Rng, ValueError } from '../../autograd';

export interface KMeansOptions {
  maxIterations?: number;
}

function squaredDistance(data: ArrayLike<number>, i: number, centers: Float64Array, c: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const diff = data[i * dim + j] - centers[c * dim + j];
    s += diff * diff;
  }
  return s;
}

/** k-means++ seeding: the first centre uniformly, each next one with probability ∝ its squared distance to the nearest centre so far. */
function seedCenters(data: ArrayLike<number>, n: number, dim: number, k: number, rng: Rng): Float64Array {
  const centers = new Float64Array(k * dim);
  const nearest = new Float64Array(n).fill(Infinity);
  let chosen = rng.int(n);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < dim; j++) centers[c * dim + j] = data[chosen * dim + j];
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(data, i, centers, c, dim));
      total += nearest[i];
    }
    if (total === 0) break; // fewer distinct points than clusters: the remaining centres stay at the origin
    let target = rng.random() * total;
    chosen = n - 1;
    for (let i = 0; i < n; i++) {
      target -= nearest[i];
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centers;
}

/**
 * Lloyd's k-means on rows of `data` [n·dim], seeded by k-means++ from `rng`; stops when no assignment changes.
 * Returns each row's cluster. A cluster left empty keeps its centre.
 */
export function kmeans(
  data: ArrayLike<number>,
  n: number,
  dim: number,
  k: number,
  rng: Rng,
  options: KMeansOptions = {},
): Int32Array {
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ValueError(`kmeans: k must be in [1, ${n}], got ${k}`);
  const centers = seedCenters(data, n, dim, k, rng);
  const assignment = new Int32Array(n).fill(-1);
  const maxIterations = options.maxIterations ?? 100;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(data, i, centers, c, dim);
        if (d < bestDistance) [best, bestDistance] = [c, d];
      }
      if (assignment[i] !== best) [assignment[i], changed] = [best, true];
    }
    if (!changed) break;
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      counts[assignment[i]]++;
      for (let j = 0; j < dim; j++) sums[assignment[i] * dim + j] += data[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let j = 0; j < dim; j++) centers[c * dim + j] = sums[c * dim + j] / counts[c];
    }
  }
  return assignment;
}
