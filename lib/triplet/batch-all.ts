import { fromNDArray, noGrad, registerOp, reshape, slice, Tensor } from '../autograd';
import { getBackend } from '../tensor/backend';
import { hostValues } from '../tensor/device-copies';
import { POSITIVE } from '../tensor/kernels/triplet';
import { checkEmbeddings, pairwiseDistances } from './distances';
import { Labels, labelArray } from './labels';
import { recordFusedLoss, wantsSlopes } from './fused';
import { checkMargin, lossChecks, TripletLossOptions } from './loss-options';

export interface BatchAllResult {
  /** Scalar: the mean loss over the triplets that have a positive loss. */
  loss: Tensor;
  /**
   * [the number of triplets with a positive loss, the number of valid triplets]: where the three numbers below
   * come from (on a device, they stay there until one of them is read).
   */
  counts: Tensor;
  /** Fraction of the valid triplets whose loss is > 1e-16 (the original's `fraction_positive_triplets`). */
  readonly fractionPositive: number;
  /** How many triplets had a positive loss. */
  readonly numPositive: number;
  /** How many valid triplets the batch holds (a, p, n distinct; label(a) = label(p) ≠ label(n)). */
  readonly numValid: number;
}

/**
 * The fused batch-all op on a distance matrix D [B,B]: value and ∂loss/∂D from one pass over the valid triplets,
 * anchor by anchor, in O(B²) memory — the original builds a B×B×B tensor instead (4 GB at B = 1024). The sums
 * are a backend kernel (tensor/kernels/triplet.ts: on a device, they are computed there):
 *
 *   loss = Σ_{valid (a,p,n)} ℓ(D[a,p] − D[a,n]) / (#{ℓ > 1e-16} + 1e-16)
 *   ∂loss/∂D[a,p] = Σ_n ℓ'(·) / (#positive + 1e-16),   ∂loss/∂D[a,n] = −Σ_p ℓ'(·) / (#positive + 1e-16)
 *
 * The positive count is piecewise constant, so it passes no gradient (as in the original).
 */
function batchAllOnDistances(d: Tensor, labels: Int32Array, margin: number, softMargin: boolean): BatchAllResult {
  const sums = getBackend().tripletBatchAll(d, labels, { margin, softMargin }, wantsSlopes(d));
  const summary = fromNDArray(sums.summary); // [loss, #positive, #valid]
  const { value, counts } = noGrad(() => ({
    value: reshape(slice(summary, [0], [1]), []),
    counts: slice(summary, [1], [2]),
  }));
  const count = (i: number): number => hostValues(counts.storage)[i];
  return {
    loss: recordFusedLoss('batchAllTripletLoss', d, value, sums.grad),
    counts,
    get fractionPositive() {
      return count(0) / (count(1) + POSITIVE);
    },
    get numPositive() {
      return count(0);
    },
    get numValid() {
      return count(1);
    },
  };
}

/**
 * Batch-all triplet loss (omoindrot's `batch_all_triplet_loss`): every valid triplet of the batch counts, and the
 * mean is taken over the triplets with a positive loss only, so easy triplets do not wash out the informative ones.
 */
export function batchAllTripletLoss(
  labels: Labels,
  embeddings: Tensor,
  margin: number,
  options: TripletLossOptions = {},
): BatchAllResult {
  checkEmbeddings(embeddings, 'batchAllTripletLoss');
  const l = labelArray(labels, embeddings.shape[0], 'batchAllTripletLoss');
  checkMargin(margin, 'batchAllTripletLoss');
  const d = pairwiseDistances(embeddings, options);
  return batchAllOnDistances(d, l, margin, options.softMargin ?? false);
}

registerOp('batchAllTripletLoss', { kind: 'loss', cases: lossChecks((...args) => batchAllTripletLoss(...args).loss) });
