import { matmul, noGrad, ShapeError, slice, Tensor, ValueError } from '../../autograd';
import { formatShape } from '../../tensor/shape';

/** (distance, index) pairs ordered by distance, then index: ties are broken the same way on every machine. */
function before(keys: Float64Array, ids: Int32Array, i: number, j: number): boolean {
  return keys[i] < keys[j] || (keys[i] === keys[j] && ids[i] < ids[j]);
}

function swap(keys: Float64Array, ids: Int32Array, i: number, j: number): void {
  [keys[i], keys[j]] = [keys[j], keys[i]];
  [ids[i], ids[j]] = [ids[j], ids[i]];
}

/** Quickselect (Hoare): afterwards the k smallest pairs occupy [0, k), in no particular order. O(n) on average. */
function selectSmallest(keys: Float64Array, ids: Int32Array, n: number, k: number): void {
  let low = 0;
  let high = n - 1;
  while (high > low) {
    const mid = (low + high) >>> 1; // median of three as pivot keeps sorted input from going quadratic
    if (before(keys, ids, mid, low)) swap(keys, ids, mid, low);
    if (before(keys, ids, high, low)) swap(keys, ids, high, low);
    if (before(keys, ids, high, mid)) swap(keys, ids, high, mid);
    swap(keys, ids, mid, high);
    let store = low;
    for (let i = low; i < high; i++) if (before(keys, ids, i, high)) swap(keys, ids, i, store++);
    swap(keys, ids, store, high);
    if (store === k - 1 || store === k) return;
    if (store < k) low = store + 1;
    else high = store - 1;
  }
}

/**
 * For each row of `embeddings` [N,D], the indices of its k nearest other rows (Euclidean; a row never counts as its
 * own neighbour), nearest first: an Int32Array [N·k]. Distances are computed `blockSize` queries at a time through
 * matmul — ‖q − x‖² = ‖q‖² − 2q·x + ‖x‖² — so N×N never exists at once.
 */
export function nearestNeighbors(embeddings: Tensor, k: number, options: { blockSize?: number } = {}): Int32Array {
  if (embeddings.rank !== 2)
    throw new ShapeError(`nearestNeighbors: embeddings must be [N,D], got ${formatShape(embeddings.shape)}`);
  const [n, dim] = embeddings.shape;
  if (!Number.isInteger(k) || k < 1 || k > n - 1)
    throw new ValueError(`nearestNeighbors: k must be in [1, ${n - 1}], got ${k}`);
  const blockSize = options.blockSize ?? 256;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) norms[i] += embeddings.data[i * dim + j] ** 2;
  const out = new Int32Array(n * k);
  const keys = new Float64Array(n - 1);
  const ids = new Int32Array(n - 1);
  noGrad(() => {
    for (let start = 0; start < n; start += blockSize) {
      const rows = Math.min(blockSize, n - start);
      const gram = matmul(slice(embeddings, [start, 0], [rows, dim]), embeddings, false, true).data;
      for (let r = 0; r < rows; r++) {
        const q = start + r;
        let m = 0;
        for (let j = 0; j < n; j++) {
          if (j === q) continue;
          keys[m] = norms[q] - 2 * gram[r * n + j] + norms[j];
          ids[m++] = j;
        }
        selectSmallest(keys, ids, m, k);
        const order = Array.from({ length: k }, (_, i) => i).sort((i, j) =>
          before(keys, ids, i, j) ? -1 : before(keys, ids, j, i) ? 1 : 0,
        );
        for (let i = 0; i < k; i++) out[q * k + i] = ids[order[i]];
      }
    }
  });
  return out;
}
