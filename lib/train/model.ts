import { DType, mean, noGrad, norm as normOf, Rng, Tensor } from '../autograd';
import { EmbeddingNet } from '../nn';
import { batchAllTripletLoss, batchHardTripletLoss, batchSemiHardTripletLoss } from '../triplet';
import { Params } from './params';

/** The original's network, from params. */
export function buildModel(params: Params, rng: Rng, dtype?: DType): EmbeddingNet {
  return new EmbeddingNet(
    {
      imageSize: params.image_size,
      numChannels: params.num_channels,
      embeddingSize: params.embedding_size,
      useBatchNorm: params.use_batch_norm,
      bnMomentum: params.bn_momentum,
      dtype,
    },
    rng,
  );
}

/** What one batch's loss reports: the loss, and the statistics the original logs for its strategy. */
export interface BatchStats {
  loss: number;
  /** batch_all: fraction of valid triplets with a positive loss. */
  fractionPositive?: number;
  /** batch_hard, batch_semihard: mean hardest anchor–positive and anchor–negative distances. */
  hardestPositiveDist?: number;
  hardestNegativeDist?: number;
  embeddingMeanNorm: number;
}

/** One batch's loss, the tensors its statistics are read from, and the statistics (read when asked). */
export interface BatchLoss {
  loss: Tensor;
  /** What `stats()` reads: on a device, fetched home together in one transfer (Backend.fetch). */
  logged: Tensor[];
  stats(): BatchStats;
}

/** The mining strategy params ask for, on one batch. */
export function tripletLoss(params: Params, labels: Int32Array, embeddings: Tensor): BatchLoss {
  const options = { squared: params.squared, softMargin: params.soft_margin };
  // the mean of the rows' norms, with ops (on a device, it stays there until the step's scalars come home)
  const norm = noGrad(() => mean(normOf(embeddings.detach(), 1)));
  switch (params.triplet_strategy) {
    case 'batch_all': {
      const r = batchAllTripletLoss(labels, embeddings, params.margin, options);
      return {
        loss: r.loss,
        logged: [r.loss, r.counts, norm],
        stats: () => ({ loss: r.loss.item(), fractionPositive: r.fractionPositive, embeddingMeanNorm: norm.item() }),
      };
    }
    case 'batch_hard':
    case 'batch_semihard': {
      const mine = params.triplet_strategy === 'batch_hard' ? batchHardTripletLoss : batchSemiHardTripletLoss;
      const r = mine(labels, embeddings, params.margin, options);
      return {
        loss: r.loss,
        logged: [r.loss, ...r.hardest, norm],
        stats: () => ({
          loss: r.loss.item(),
          hardestPositiveDist: r.hardestPositiveDist,
          hardestNegativeDist: r.hardestNegativeDist,
          embeddingMeanNorm: norm.item(),
        }),
      };
    }
  }
}
