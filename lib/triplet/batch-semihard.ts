import { fromNDArray, noGrad, registerOp, reshape, slice, Tensor } from '../autograd';
import { getBackend } from '../tensor/backend';
import { hardestDistanceMeans, HardestMeans } from './batch-hard';
import { checkEmbeddings, pairwiseDistances } from './distances';
import { Labels, labelArray } from './labels';
import { recordFusedLoss, wantsSlopes } from './fused';
import { checkMargin, lossChecks, TripletLossOptions } from './loss-options';

/** The hardest distances' means are logged as batch-hard logs them. */
export interface BatchSemiHardResult extends HardestMeans {
  /** Scalar: the mean over all anchor–positive pairs of the loss with their semi-hard negative. */
  loss: Tensor;
  /** Number of anchor–positive pairs (a ≠ p, same label): the denominator. */
  readonly numPairs: number;
}

/**
 * The fused semi-hard op on D [B,B], O(B²) memory: loss = Σ_{(a,p)} ℓ(D[a,p] − D[a,n*]) / #pairs, with
 * ∂loss/∂D[a,p] = ℓ'/#pairs and ∂loss/∂D[a,n*] = −ℓ'/#pairs (the choice of n* is piecewise constant). The sums
 * are a backend kernel (tensor/kernels/triplet.ts: on a device, computed there). Departures from TensorFlow, on
 * purpose: a batch without positive pairs gives 0, not NaN (0/0); a pair whose anchor
 * has no negative in the batch adds 0 (TensorFlow compares it with a distance of 0).
 */
function semiHardOnDistances(
  d: Tensor,
  labels: Int32Array,
  margin: number,
  softMargin: boolean,
): { loss: Tensor; pairs: Tensor } {
  const sums = getBackend().tripletSemiHard(d, labels, { margin, softMargin }, wantsSlopes(d));
  const summary = fromNDArray(sums.summary); // [loss, #pairs]
  const part = (i: number): Tensor => noGrad(() => reshape(slice(summary, [i], [1]), []));
  return { loss: recordFusedLoss('batchSemiHardTripletLoss', d, part(0), sums.grad), pairs: part(1) };
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
  const { loss, pairs } = semiHardOnDistances(d, l, margin, options.softMargin ?? false);
  return Object.defineProperties(hardestDistanceMeans(d, l), {
    loss: { value: loss, enumerable: true },
    numPairs: { get: () => pairs.item(), enumerable: true },
  }) as BatchSemiHardResult;
}

registerOp('batchSemiHardTripletLoss', {
  kind: 'loss',
  cases: lossChecks((...args) => batchSemiHardTripletLoss(...args).loss),
});
