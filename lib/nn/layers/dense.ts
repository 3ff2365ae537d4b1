import { add, DType, matmul, registerOp, Rng, Tensor } from '../../autograd';
import { glorotUniform, zeroParameter } from '../init';
import { Module, moduleCheck } from '../module';

export interface DenseOptions {
  bias?: boolean;
  dtype?: DType;
}

/** y = x·W + b, with W [in, out] (TensorFlow's kernel layout). */
export class Dense extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: DenseOptions = {},
  ) {
    super();
    this.weight = this.addParameter('weight', glorotUniform([inFeatures, outFeatures], rng, options.dtype));
    this.bias = options.bias === false ? null : this.addParameter('bias', zeroParameter([outFeatures], options.dtype));
  }

  forward(x: Tensor): Tensor {
    const y = matmul(x, this.weight);
    return this.bias ? add(y, this.bias) : y;
  }

  override describe(): string {
    return `Dense(${this.inFeatures} → ${this.outFeatures})`;
  }
}

registerOp('Dense', {
  kind: 'layer',
  cases: [moduleCheck('[4,5] → 3', (rng) => new Dense(5, 3, rng, { dtype: 'float64' }), [4, 5])],
});
