import { map } from '../../tensor/kernels/elementwise';
import { check, positive } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { div } from './div';
import { mul } from './mul';
import { asTensor } from './operands';

/**
 * √x. At 0 the derivative is +∞ (as in TensorFlow and PyTorch), so a zero upstream gradient gives 0·∞ = NaN:
 * that is why pairwiseDistances adds 1e-16 where a distance is exactly 0 before taking the root.
 */
export function sqrt(x: TensorLike): Tensor {
  const a = asTensor(x, 'sqrt');
  // ∂√x/∂x = 1 / (2√x), from the output
  return record('sqrt', [a], map(a, 'Math.sqrt(a)'), (g, y) => [div(g, mul(y, 2))]);
}

registerOp('sqrt', { cases: [check(sqrt, [positive([3, 4], 0.1, 3)])] });
