import { add, diag, eq, expandDims, matmul, maximum, mul, ShapeError, sqrt, sub, Tensor } from '../autograd';
import { formatShape } from '../tensor/shape';

export interface DistanceOptions {
  /** Squared Euclidean distances (default false: Euclidean). */
  squared?: boolean;
}

export function checkEmbeddings(embeddings: Tensor, op: string): void {
  if (!(embeddings instanceof Tensor) || embeddings.rank !== 2) {
    const shape = embeddings instanceof Tensor ? formatShape(embeddings.shape) : typeof embeddings;
    throw new ShapeError(`${op}: embeddings must be a matrix [B,D], got ${shape}`);
  }
}

/**
 * [B,B] distances between all rows, from the Gram matrix: ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖², clamped at 0 (rounding
 * can make it slightly negative). The diagonal is exactly 0.
 *
 * Euclidean distances need care at 0, where √ has an infinite slope: the gradient would be NaN for identical
 * embeddings (the diagonal, always). As the original: add 1e-16 where the distance is exactly 0, take the root,
 * then multiply those entries by 0 again — the value stays 0 and the gradient there is 0.
 */
export function pairwiseDistances(embeddings: Tensor, options: DistanceOptions = {}): Tensor {
  checkEmbeddings(embeddings, 'pairwiseDistances');
  const dot = matmul(embeddings, embeddings, false, true);
  const squareNorm = diag(dot);
  const squaredDistances = maximum(add(sub(expandDims(squareNorm, 0), mul(dot, 2)), expandDims(squareNorm, 1)), 0);
  if (options.squared) return squaredDistances;
  const zero = eq(squaredDistances, 0);
  return mul(sqrt(add(squaredDistances, mul(zero, 1e-16))), sub(1, zero));
}
