import { registerOp, Rng, Tensor } from '../autograd';
import { EmbeddingNet, moduleCheck } from '../nn';
import { batchAllTripletLoss, batchHardTripletLoss, batchSemiHardTripletLoss, TripletLossOptions } from '../triplet';

type Loss = (labels: number[], embeddings: Tensor, margin: number, options?: TripletLossOptions) => { loss: Tensor };

/**
 * The whole chain a training step differentiates — images → network → triplet loss — checked end to end on a
 * small batch (8×8 images, batch norm on), every parameter of the network included.
 */
function networkWithLoss(name: string, loss: Loss): void {
  const labels = [0, 1, 2, 0, 1, 2];
  const build = (rng: Rng): EmbeddingNet =>
    new EmbeddingNet(
      { imageSize: 8, numChannels: 2, embeddingSize: 3, useBatchNorm: true, bnMomentum: 0.9, dtype: 'float64' },
      rng,
    );
  const network = moduleCheck(`[6,8,8,1] → EmbeddingNet → ${name}`, build, [6, 8, 8, 1]);
  registerOp(`EmbeddingNet+${name}`, {
    kind: 'network+loss',
    cases: [
      {
        label: network.label,
        setup: (rng) => {
          const { inputs, fn } = network.setup(rng);
          return { inputs, fn: (x, ...params) => loss(labels, fn(x, ...params), 0.5).loss };
        },
      },
    ],
  });
}

networkWithLoss('batchAll', batchAllTripletLoss);
networkWithLoss('batchHard', batchHardTripletLoss);
networkWithLoss('batchSemiHard', batchSemiHardTripletLoss);
