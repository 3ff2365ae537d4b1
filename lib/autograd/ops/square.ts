import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';

/** x². */
export function square(x: TensorLike): Tensor {
  const a = asTensor(x, 'square');
  // ∂x²/∂x = 2x
  return record('square', [a], map(a, 'a * a'), (g) => [mul(g, mul(a, 2))]);
}

registerOp('square', { cases: [check(square, [normal([3, 4])])] });
