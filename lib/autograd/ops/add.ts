import { zip } from '../../tensor/kernels/elementwise';
import { binaryChecks } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { operands } from './operands';

/** x + y, broadcasting. */
export function add(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('add', x, y);
  // ∂(x+y)/∂x = 1, ∂(x+y)/∂y = 1; the tape sums each back over the axes it was broadcast along.
  return record('add', [a, b], zip(a, b, 'a + b', 'add'), (g) => [g, g]);
}

registerOp('add', { cases: binaryChecks(add) });
