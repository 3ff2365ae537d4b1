import { add, fromNDArray, max, maximum, mean, min, mul, noGrad, registerOp, softplus, sub, Tensor } from '../autograd';
import { getBackend } from '../tensor/backend';
import { checkEmbeddings, pairwiseDistances } from './distances';
import { Labels, labelArray } from './labels';
import { checkMargin, lossChecks, TripletLossOptions } from './loss-options';

/** The hardest distances' means, for the logs: tensors (on a device, there until read), and their values. */
export interface HardestMeans {
  /** [mean hardest anchor–positive distance, mean hardest anchor–negative distance], never differentiated. */
  hardest: readonly [Tensor, Tensor];
  /** Mean over anchors of the largest anchor–positive distance (the original's `hardest_positive_dist`). */
  readonly hardestPositiveDist: number;
  /** Mean over anchors of the smallest anchor–negative distance (`hardest_negative_dist`). */
  readonly hardestNegativeDist: number;
}

export interface BatchHardResult extends HardestMeans {
  /** Scalar: the mean over anchors of the loss of their hardest triplet. */
  loss: Tensor;
}

/**
 * Per anchor [B,1]: the hardest positive, max over the row of mask·D (an anchor with no positive gets 0), and the
 * hardest negative, min over the row of D + rowMax·(1 − negativeMask) (non-negatives pushed out of the way).
 * Written with ops as the original, so ties split the gradient exactly as its reduce_max / reduce_min do; the
 * masks are a backend kernel (on a device, made there from the labels).
 */
export function hardestDistances(d: Tensor, labels: Int32Array): { positive: Tensor; negative: Tensor } {
  const masks = getBackend().labelMasks(labels, d);
  const [positiveMask, negativeMask] = [fromNDArray(masks.positive), fromNDArray(masks.negative)];
  const positive = max(mul(positiveMask, d), 1, true);
  const rowMax = max(d, 1, true);
  const negative = min(add(d, mul(rowMax, sub(1, negativeMask))), 1, true);
  return { positive, negative };
}

/** The means of the hardest distances, as tensors and, when read, numbers. */
function detachedMeans(positive: Tensor, negative: Tensor): HardestMeans {
  const hardest = noGrad(() => [mean(positive), mean(negative)] as const);
  return {
    hardest,
    get hardestPositiveDist() {
      return hardest[0].item();
    },
    get hardestNegativeDist() {
      return hardest[1].item();
    },
  };
}

/** Means of the hardest distances, for the logs: never differentiated. */
export function hardestDistanceMeans(d: Tensor, labels: Int32Array): HardestMeans {
  return noGrad(() => {
    const { positive, negative } = hardestDistances(d, labels);
    return detachedMeans(positive, negative);
  });
}

/**
 * Batch-hard triplet loss (Hermans et al.; omoindrot's `batch_hard_triplet_loss`): for each anchor, only its
 * hardest positive and hardest negative, loss = mean over anchors of relu(hp − hn + margin) — or
 * softplus(hp − hn) with softMargin.
 */
export function batchHardTripletLoss(
  labels: Labels,
  embeddings: Tensor,
  margin: number,
  options: TripletLossOptions = {},
): BatchHardResult {
  checkEmbeddings(embeddings, 'batchHardTripletLoss');
  const l = labelArray(labels, embeddings.shape[0], 'batchHardTripletLoss');
  checkMargin(margin, 'batchHardTripletLoss');
  const d = pairwiseDistances(embeddings, options);
  const { positive, negative } = hardestDistances(d, l);
  const gap = sub(positive, negative);
  // maximum(x, 0), not relu: TensorFlow's maximum passes the gradient on a tie at 0, and so do we
  const perAnchor = options.softMargin ? softplus(gap) : maximum(add(gap, margin), 0);
  return Object.assign(detachedMeans(positive, negative), { loss: mean(perAnchor) });
}

registerOp('batchHardTripletLoss', {
  kind: 'loss',
  cases: lossChecks((...args) => batchHardTripletLoss(...args).loss),
});
