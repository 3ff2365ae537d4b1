import { conv2d, DType, registerOp, Rng, Tensor } from '../../autograd';
import { Padding } from '../../tensor/kernels/conv';
import { glorotUniform, zeroParameter } from '../init';
import { Module, moduleCheck } from '../module';

export interface Conv2dLayerOptions {
  kernelSize?: number;
  stride?: number;
  padding?: Padding;
  bias?: boolean;
  /** 'relu': the activation fused into the convolution's pass (as Keras' Conv2D(activation='relu')). */
  activation?: 'linear' | 'relu';
  /** A max-pool of this window (and stride) after it, fused into the same pass: the layer outputs the pooled map. */
  pool?: number;
  dtype?: DType;
}

/** 2-D convolution of NHWC images with an HWIO kernel [k, k, in, out] plus a per-channel bias. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: Padding;
  readonly activation: 'linear' | 'relu';
  readonly pool: number | undefined;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    rng: Rng,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    this.kernelSize = options.kernelSize ?? 3;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 'same';
    this.activation = options.activation ?? 'linear';
    this.pool = options.pool;
    const k = this.kernelSize;
    this.weight = this.addParameter('weight', glorotUniform([k, k, inChannels, outChannels], rng, options.dtype));
    this.bias = options.bias === false ? null : this.addParameter('bias', zeroParameter([outChannels], options.dtype));
  }

  forward(x: Tensor): Tensor {
    const pool = this.pool === undefined ? undefined : { size: this.pool };
    return conv2d(x, this.weight, {
      stride: this.stride,
      padding: this.padding,
      bias: this.bias ?? undefined,
      activation: this.activation,
      pool,
    });
  }

  override describe(): string {
    const activation = this.activation === 'relu' ? ', relu' : '';
    const pool = this.pool === undefined ? '' : `, max-pool ${this.pool}×${this.pool}`;
    return `Conv2d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize}×${this.kernelSize}, stride ${this.stride}, ${this.padding}${activation}${pool})`;
  }
}

registerOp('Conv2d', {
  kind: 'layer',
  cases: [
    moduleCheck('[2,5,5,2] → 3 channels', (rng) => new Conv2d(2, 3, rng, { dtype: 'float64' }), [2, 5, 5, 2]),
    moduleCheck(
      '[2,5,5,2] → 3 channels, relu',
      (rng) => new Conv2d(2, 3, rng, { dtype: 'float64', activation: 'relu' }),
      [2, 5, 5, 2],
    ),
    moduleCheck(
      '[2,6,6,2] → 3 channels, relu, max-pool 2×2',
      (rng) => new Conv2d(2, 3, rng, { dtype: 'float64', activation: 'relu', pool: 2 }),
      [2, 6, 6, 2],
    ),
  ],
});
