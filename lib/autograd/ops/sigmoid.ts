import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';
import { sub } from './sub';

/** σ(x) = 1 / (1 + e⁻ˣ), written so that neither branch overflows. */
export function sigmoid(x: TensorLike): Tensor {
  const a = asTensor(x, 'sigmoid');
  // ∂σ/∂x = σ·(1 − σ)
  return record('sigmoid', [a], map(a, 'a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a))'), (g, s) => [mul(g, mul(s, sub(1, s)))]);
}

registerOp('sigmoid', { cases: [check(sigmoid, [normal([3, 4])])] });
