import {
  add,
  div,
  DType,
  mean,
  mul,
  noGrad,
  ones,
  registerOp,
  sqrt,
  square,
  sub,
  Tensor,
  ValueError,
  zeros,
} from '../../autograd';
import { Module, moduleCheck } from '../module';

export interface BatchNormOptions {
  /** Weight of the old value in the moving averages (tf.layers' `momentum`, the original's `bn_momentum`). */
  momentum?: number;
  epsilon?: number;
  dtype?: DType;
}

/**
 * Batch normalisation over the last axis (the channels of NHWC images, the features of a [N, F] matrix), as
 * tf.layers.batch_normalization:
 *   training: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's mean and (biased) variance, and the moving
 *             statistics updated as moving = momentum·moving + (1 − momentum)·batch — the variance with the
 *             unbiased n/(n − 1) correction, as TensorFlow's fused kernel (which tf.layers uses for images) does;
 *   eval:     the same with the moving statistics.
 * ε = 1e-3 as tf.layers.
 */
export class BatchNorm extends Module {
  readonly gamma: Tensor;
  readonly beta: Tensor;
  readonly movingMean: Tensor;
  readonly movingVariance: Tensor;
  readonly momentum: number;
  readonly epsilon: number;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new ValueError(`BatchNorm: momentum must be in [0, 1), got ${this.momentum}`);
    const dtype = options.dtype;
    this.gamma = this.addParameter('gamma', ones([numFeatures], { dtype, requiresGrad: true }));
    this.beta = this.addParameter('beta', zeros([numFeatures], { dtype, requiresGrad: true }));
    this.movingMean = this.addBuffer('movingMean', zeros([numFeatures], { dtype }));
    this.movingVariance = this.addBuffer('movingVariance', ones([numFeatures], { dtype }));
  }

  forward(x: Tensor): Tensor {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    if (!this.training) return this.normalize(x, this.movingMean, this.movingVariance);
    const batchMean = mean(x, axes);
    const batchVariance = mean(square(sub(x, batchMean)), axes);
    this.updateMovingStatistics(batchMean, batchVariance, x.size / this.numFeatures);
    return this.normalize(x, batchMean, batchVariance);
  }

  private normalize(x: Tensor, mu: Tensor, variance: Tensor): Tensor {
    return add(mul(div(sub(x, mu), sqrt(add(variance, this.epsilon))), this.gamma), this.beta);
  }

  private updateMovingStatistics(batchMean: Tensor, batchVariance: Tensor, n: number): void {
    const m = this.momentum;
    const bessel = n > 1 ? n / (n - 1) : 1;
    noGrad(() => {
      for (let c = 0; c < this.numFeatures; c++) {
        this.movingMean.data[c] = m * this.movingMean.data[c] + (1 - m) * batchMean.data[c];
        this.movingVariance.data[c] = m * this.movingVariance.data[c] + (1 - m) * batchVariance.data[c] * bessel;
      }
    });
  }

  override describe(): string {
    return `BatchNorm(${this.numFeatures}, momentum ${this.momentum}, ε ${this.epsilon})`;
  }
}

const build = (training: boolean) => () => {
  const bn = new BatchNorm(3, { dtype: 'float64', momentum: 0.9 });
  // non-trivial γ, β and moving statistics, so every term of the gradient is exercised
  bn.gamma.data.set([1.5, -0.7, 0.9]);
  bn.beta.data.set([0.1, 0.2, -0.3]);
  bn.movingMean.data.set([0.2, -0.1, 0.4]);
  bn.movingVariance.data.set([1.3, 0.6, 2.1]);
  return bn.train(training);
};
registerOp('BatchNorm', {
  kind: 'layer',
  cases: [
    moduleCheck('[2,3,2,3] training', build(true), [2, 3, 2, 3]),
    moduleCheck('[4,3] eval', build(false), [4, 3]),
  ],
});
