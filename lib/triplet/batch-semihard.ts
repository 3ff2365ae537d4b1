import { registerOp, scalar, Tensor } from '../autograd';
import { forEachPositivePair, tripletTerm } from '../tensor/kernels/triplet';
import { hardestDistanceMeans } from './batch-hard';
import { checkEmbeddings, pairwiseDistances } from './distances';
import { Labels, labelArray } from './labels';
import { recordFusedLoss, slopeBuffer, slopesOf } from './fused';
import { checkMargin, lossChecks, TripletLossOptions } from './loss-options';

export interface BatchSemiHardResult {
  /** Scalar: the mean over all anchor–positive pairs of the loss with their semi-hard negative. */
  loss: Tensor;
  /** Number of anchor–positive pairs (a ≠ p, same label): the denominator. */
  numPairs: number;
  /** Mean over anchors of the largest anchor–positive distance, as batch-hard logs it. */
  hardestPositiveDist: number;
  /** Mean over anchors of the smallest anchor–negative distance. */
  hardestNegativeDist: number;
}

/**
 * For a pair (a, p), FaceNet's semi-hard negative as TensorFlow's `triplet_semihard_loss` picks it: the closest n
 * with D[a,n] > D[a,p] (strictly); if no negative is farther than the positive, the farthest negative.
 * The margin plays no part in the choice. Returns −1 when the anchor has no negative at all.
 */
function semiHardNegative(d: Tensor, row: number, dap: number, negatives: readonly number[]): number {
  let outside = -1;
  let farthest = -1;
  for (let k = 0; k < negatives.length; k++) {
    const n = negatives[k];
    const dan = d.data[row + n];
    if (dan > dap && (outside < 0 || dan < d.data[row + outside])) outside = n;
    if (farthest < 0 || dan > d.data[row + farthest]) farthest = n;
  }
  return outside >= 0 ? outside : farthest;
}

/**
 * The fused semi-hard op on D [B,B], O(B²) memory: loss = Σ_{(a,p)} ℓ(D[a,p] − D[a,n*]) / #pairs, with
 * ∂loss/∂D[a,p] = ℓ'/#pairs and ∂loss/∂D[a,n*] = −ℓ'/#pairs (the choice of n* is piecewise constant).
 * Departures from TensorFlow, on purpose: a batch without positive pairs gives 0, not NaN (0/0); a pair whose
 * anchor has no negative in the batch adds 0 (TensorFlow compares it with a distance of 0).
 */
function semiHardOnDistances(
  d: Tensor,
  labels: Int32Array,
  margin: number,
  softMargin: boolean,
): { loss: Tensor; numPairs: number } {
  const b = labels.length;
  const term = tripletTerm({ margin, softMargin });
  const slopes = slopeBuffer(d);
  let sum = 0;
  let numPairs = 0;
  forEachPositivePair(labels, (a, p, negatives) => {
    numPairs++;
    const row = a * b;
    const dap = d.data[row + p];
    const n = semiHardNegative(d, row, dap, negatives);
    if (n < 0) return;
    const t = dap - d.data[row + n];
    sum += term.value(t);
    if (slopes !== null) {
      slopes[row + p] += term.slope(t);
      slopes[row + n] -= term.slope(t);
    }
  });
  const scale = numPairs > 0 ? 1 / numPairs : 0;
  const [value, scaleTensor] = [sum * scale, scale].map((v) => scalar(v, { dtype: d.dtype }));
  const loss = recordFusedLoss('batchSemiHardTripletLoss', d, value, scaleTensor, slopesOf(slopes, d));
  return { loss, numPairs };
}

/** Batch-semi-hard triplet loss (FaceNet; TensorFlow's `triplet_semihard_loss`), on our distances. */
export function batchSemiHardTripletLoss(
  labels: Labels,
  embeddings: Tensor,
  margin: number,
  options: TripletLossOptions = {},
): BatchSemiHardResult {
  checkEmbeddings(embeddings, 'batchSemiHardTripletLoss');
  const l = labelArray(labels, embeddings.shape[0], 'batchSemiHardTripletLoss');
  checkMargin(margin, 'batchSemiHardTripletLoss');
  const d = pairwiseDistances(embeddings, options);
  const { loss, numPairs } = semiHardOnDistances(d, l, margin, options.softMargin ?? false);
  return { loss, numPairs, ...hardestDistanceMeans(d, l) };
}

registerOp('batchSemiHardTripletLoss', {
  kind: 'loss',
  cases: lossChecks((...args) => batchSemiHardTripletLoss(...args).loss),
});
