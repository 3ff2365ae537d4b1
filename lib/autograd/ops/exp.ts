import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';

/** eˣ. */
export function exp(x: TensorLike): Tensor {
  const a = asTensor(x, 'exp');
  // ∂eˣ/∂x = eˣ, the output itself
  return record('exp', [a], map(a, 'Math.exp(a)'), (g, y) => [mul(g, y)]);
}

registerOp('exp', { cases: [check(exp, [normal([3, 4])])] });
