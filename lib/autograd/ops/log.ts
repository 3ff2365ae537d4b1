import { map } from '../../tensor/kernels/elementwise';
import { check, positive } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { div } from './div';
import { asTensor } from './operands';

/** Natural logarithm (−∞ at 0, NaN below). */
export function log(x: TensorLike): Tensor {
  const a = asTensor(x, 'log');
  // ∂ln x/∂x = 1/x
  return record('log', [a], map(a, 'Math.log(a)'), (g) => [div(g, a)]);
}

registerOp('log', { cases: [check(log, [positive([3, 4])])] });
