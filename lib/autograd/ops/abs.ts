import { map } from '../../tensor/kernels/elementwise';
import { awayFromZero, check } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { asTensor } from './operands';
import { sign } from './sign';

/** |x|. Subgradient at 0: 0 (sign(0) = 0, as TensorFlow and PyTorch). */
export function abs(x: TensorLike): Tensor {
  const a = asTensor(x, 'abs');
  // ∂|x|/∂x = sign(x)
  return record('abs', [a], map(a, 'Math.abs(a)'), (g) => [mul(g, sign(a))]);
}

registerOp('abs', { cases: [check(abs, [awayFromZero([3, 4])])] });
