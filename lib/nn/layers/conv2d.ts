import { add, conv2d, DType, registerOp, Rng, Tensor } from '../../autograd';
import { Padding } from '../../tensor/kernels/conv';
import { glorotUniform, zeroParameter } from '../init';
import { Module, moduleCheck } from '../module';

export interface Conv2dLayerOptions {
  kernelSize?: number;
  stride?: number;
  padding?: Padding;
  bias?: boolean;
  dtype?: DType;
}

/** 2-D convolution of NHWC images with an HWIO kernel [k, k, in, out] plus a per-channel bias. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: Padding;

  constructor(readonly inChannels: number, readonly outChannels: number, rng: Rng, options: Conv2dLayerOptions = {}) {
    super();
    this.kernelSize = options.kernelSize ?? 3;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 'same';
    const k = this.kernelSize;
    this.weight = this.addParameter('weight', glorotUniform([k, k, inChannels, outChannels], rng, options.dtype));
    this.bias = options.bias === false ? null : this.addParameter('bias', zeroParameter([outChannels], options.dtype));
  }

  forward(x: Tensor): Tensor {
    const y = conv2d(x, this.weight, { stride: this.stride, padding: this.padding });
    return this.bias ? add(y, this.bias) : y; // NHWC: the bias [C] broadcasts over N, H, W
  }

  override describe(): string {
    return `Conv2d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize}×${this.kernelSize}, stride ${this.stride}, ${this.padding})`;
  }
}

registerOp('Conv2d', {
  kind: 'layer',
  cases: [moduleCheck('[2,5,5,2] → 3 channels', (rng) => new Conv2d(2, 3, rng, { dtype: 'float64' }), [2, 5, 5, 2])],
});
