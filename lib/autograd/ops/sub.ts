import { zip } from '../../tensor/kernels/elementwise';
import { binaryChecks } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { neg } from './neg';
import { operands } from './operands';

/** x − y, broadcasting. */
export function sub(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('sub', x, y);
  // ∂(x−y)/∂x = 1, ∂(x−y)/∂y = −1
  return record('sub', [a, b], zip(a, b, 'a - b', 'sub'), (g) => [g, neg(g)]);
}

registerOp('sub', { cases: binaryChecks(sub) });
