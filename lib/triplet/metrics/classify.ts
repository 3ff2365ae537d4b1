import { ValueError } from '../../autograd';

export interface Neighbor {
  /** Row of the gallery. */
  index: number;
  label: number;
  distance: number;
}

export interface Prediction {
  label: number;
  /** The k nearest gallery rows, nearest first (ties by index). */
  neighbors: Neighbor[];
}

/**
 * k-nearest-neighbour classification of each query row against a labelled gallery [n, D] (Euclidean, float64):
 * the label most of the k nearest have; a tie goes to the label of the nearest among the tied.
 */
export function classifyByNeighbors(
  queries: Float32Array,
  gallery: Float32Array,
  labels: ArrayLike<number>,
  dim: number,
  k: number,
): Prediction[] {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new ValueError(`k must be an integer from 1 to ${n} (the gallery's size), got ${k}`);
  const predictions: Prediction[] = [];
  for (let q = 0; q * dim < queries.length; q++) {
    const nearest: Neighbor[] = []; // kept sorted, at most k long
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let d = 0; d < dim; d++) {
        const diff = queries[q * dim + d] - gallery[i * dim + d];
        sum += diff * diff;
      }
      if (nearest.length === k && sum >= nearest[k - 1].distance) continue; // ties keep the lower index
      let at = nearest.length === k ? k - 1 : nearest.length;
      while (at > 0 && nearest[at - 1].distance > sum) at--;
      nearest.splice(at, 0, { index: i, label: labels[i], distance: sum });
      if (nearest.length > k) nearest.pop();
    }
    for (const m of nearest) m.distance = Math.sqrt(m.distance);
    predictions.push({ label: majority(nearest), neighbors: nearest });
  }
  return predictions;
}

/** The most frequent label; among equally frequent ones, the nearest's (the neighbours come nearest first). */
function majority(neighbors: readonly Neighbor[]): number {
  const votes = new Map<number, number>();
  for (const m of neighbors) votes.set(m.label, (votes.get(m.label) ?? 0) + 1);
  const most = Math.max(...votes.values());
  return neighbors.find((m) => votes.get(m.label) === most)!.label;
}
