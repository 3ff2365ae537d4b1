import { DType, registerOp, Rng, ShapeError, Tensor, ValueError } from '../autograd';
import { formatShape } from '../tensor/shape';
import { BatchNorm } from './layers/batch-norm';
import { Conv2d } from './layers/conv2d';
import { Dense } from './layers/dense';
import { Sequential } from './layers/sequential';
import { Flatten, MaxPool2d, ReLU } from './layers/simple';
import { Module, moduleCheck } from './module';

export interface EmbeddingNetOptions {
  /** Side of the square grey-scale input images (28 for MNIST). */
  imageSize: number;
  /** Channels of the first convolution; the second has twice as many. */
  numChannels: number;
  /** Size of the output embedding. */
  embeddingSize: number;
  useBatchNorm?: boolean;
  bnMomentum?: number;
  dtype?: DType;
}

/**
 * The original project's network (`model_fn.py`): for c in [numChannels, 2·numChannels]:
 * conv 3×3 'same' (+ bias) → batch norm if asked → ReLU → max-pool 2×2 (without batch norm, one fused layer);
 * then flatten and a dense layer to the embedding. No normalisation of the embedding. Input [N, s, s, 1] with pixels in [0, 1].
 */
export class EmbeddingNet extends Sequential {
  readonly options: Required<Omit<EmbeddingNetOptions, 'dtype'>>;

  constructor(options: EmbeddingNetOptions, rng: Rng) {
    const { imageSize, numChannels, embeddingSize, useBatchNorm = false, bnMomentum = 0.99, dtype } = options;
    for (const [name, value, min] of [
      ['imageSize', imageSize, 4],
      ['numChannels', numChannels, 1],
      ['embeddingSize', embeddingSize, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min)
        throw new ValueError(`EmbeddingNet: ${name} must be an integer ≥ ${min}, got ${value}`);
    }
    const layers: Array<[string, Module]> = [];
    let channels = 1;
    let side = imageSize;
    [numChannels, 2 * numChannels].forEach((c, i) => {
      const block = i + 1;
      // conv → relu → max-pool is one fused pass; with batch norm in between, the ReLU and the pool are layers of
      // their own
      if (useBatchNorm) {
        layers.push(
          [`conv${block}`, new Conv2d(channels, c, rng, { dtype })],
          [`bn${block}`, new BatchNorm(c, { momentum: bnMomentum, dtype })],
        );
        layers.push([`relu${block}`, new ReLU()], [`pool${block}`, new MaxPool2d({ size: 2, stride: 2 })]);
      } else {
        layers.push([`conv${block}`, new Conv2d(channels, c, rng, { dtype, activation: 'relu', pool: 2 })]);
      }
      channels = c;
      side = Math.floor(side / 2);
    });
    layers.push(
      ['flatten', new Flatten()],
      ['dense', new Dense(side * side * channels, embeddingSize, rng, { dtype })],
    );
    super(layers);
    this.options = { imageSize, numChannels, embeddingSize, useBatchNorm, bnMomentum };
  }

  override forward(x: Tensor): Tensor {
    const s = this.options.imageSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== 1) {
      throw new ShapeError(
        `EmbeddingNet: expects images [N,${s},${s},1] (image_size ${s}), got ${formatShape(x.shape)}`,
      );
    }
    return super.forward(x);
  }

  override describe(): string {
    return 'EmbeddingNet';
  }
}

const small = (useBatchNorm: boolean) => (rng: Rng) =>
  new EmbeddingNet(
    { imageSize: 8, numChannels: 2, embeddingSize: 3, useBatchNorm, bnMomentum: 0.9, dtype: 'float64' },
    rng,
  );
registerOp('EmbeddingNet', {
  kind: 'network',
  cases: [
    moduleCheck('[3,8,8,1], 2 channels → 3', small(false), [3, 8, 8, 1]),
    moduleCheck('[3,8,8,1] with batch norm', small(true), [3, 8, 8, 1]),
  ],
});
