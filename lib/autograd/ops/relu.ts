import { map } from '../../tensor/kernels/elementwise';
import { awayFromZero, check } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { gt } from './compare';
import { mul } from './mul';
import { asTensor } from './operands';

/** max(x, 0); NaN stays NaN. Subgradient at 0: 0 (TensorFlow and PyTorch agree). */
export function relu(x: TensorLike): Tensor {
  const a = asTensor(x, 'relu');
  // ∂relu(x)/∂x = 1 where x > 0, else 0
  return record('relu', [a], map(a, 'a < 0 ? 0 : a'), (g) => [mul(g, gt(a, 0))]);
}

registerOp('relu', { cases: [check(relu, [awayFromZero([3, 4])])] });
