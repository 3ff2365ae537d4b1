import { zip } from '../../tensor/kernels/elementwise';
import { binaryChecks } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { operands } from './operands';

/** x · y elementwise, broadcasting. */
export function mul(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('mul', x, y);
  // ∂(xy)/∂x = y, ∂(xy)/∂y = x
  return record('mul', [a, b], zip(a, b, 'a * b', 'mul'), (g) => [mul(g, b), mul(g, a)]);
}

registerOp('mul', { cases: binaryChecks(mul) });
