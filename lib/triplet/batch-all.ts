import { registerOp, Tensor } from '../autograd';
import { checkEmbeddings, pairwiseDistances } from './distances';
import { forEachPositivePair, Labels, labelArray } from './labels';
import { recordFusedLoss, slopeBuffer } from './fused';
import { checkMargin, lossChecks, TripletLossOptions, tripletTerm } from './loss-options';

export interface BatchAllResult {
  /** Scalar: the mean loss over the triplets that have a positive loss. */
  loss: Tensor;
  /** Fraction of the valid triplets whose loss is > 1e-16 (the original's `fraction_positive_triplets`). */
  fractionPositive: number;
  /** How many triplets had a positive loss. */
  numPositive: number;
  /** How many valid triplets the batch holds (a, p, n distinct; label(a) = label(p) ≠ label(n)). */
  numValid: number;
}

const POSITIVE = 1e-16;

/**
 * The fused batch-all op on a distance matrix D [B,B]: value and ∂loss/∂D in one pass over the valid triplets,
 * anchor by anchor, in O(B²) memory — the original builds a B×B×B tensor instead (4 GB at B = 1024).
 *
 *   loss = Σ_{valid (a,p,n)} ℓ(D[a,p] − D[a,n]) / (#{ℓ > 1e-16} + 1e-16)
 *   ∂loss/∂D[a,p] = Σ_n ℓ'(·) / (#positive + 1e-16),   ∂loss/∂D[a,n] = −Σ_p ℓ'(·) / (#positive + 1e-16)
 *
 * The positive count is piecewise constant, so it passes no gradient (as in the original).
 */
function batchAllOnDistances(d: Tensor, labels: Int32Array, margin: number, softMargin: boolean): BatchAllResult {
  const b = labels.length;
  const term = tripletTerm(margin, softMargin);
  const slopes = slopeBuffer(d);
  let sum = 0;
  let numPositive = 0;
  let numValid = 0;
  forEachPositivePair(labels, (a, p, negatives) => {
    const row = a * b;
    const dap = d.data[row + p];
    // locals in the innermost loop (not the captured totals): this loop runs B³/classes times
    let pairSum = 0;
    let pairPositive = 0;
    let slopeAP = 0;
    for (let k = 0; k < negatives.length; k++) {
      const n = negatives[k];
      const t = dap - d.data[row + n];
      const value = term.value(t);
      pairSum += value;
      if (value > POSITIVE) pairPositive++;
      if (slopes !== null) {
        const slope = term.slope(t);
        slopeAP += slope;
        slopes[row + n] -= slope;
      }
    }
    if (slopes !== null) slopes[row + p] += slopeAP;
    sum += pairSum;
    numPositive += pairPositive;
    numValid += negatives.length;
  });
  const loss = recordFusedLoss('batchAllTripletLoss', d, sum, 1 / (numPositive + POSITIVE), slopes);
  return { loss, fractionPositive: numPositive / (numValid + POSITIVE), numPositive, numValid };
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
