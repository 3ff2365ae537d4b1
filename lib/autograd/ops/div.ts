import { zip } from '../../tensor/kernels/elementwise';
import { awayFromZero, binaryChecks } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { mul } from './mul';
import { neg } from './neg';
import { operands } from './operands';

/** x / y elementwise, broadcasting. */
export function div(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('div', x, y);
  // ∂(x/y)/∂x = 1/y, ∂(x/y)/∂y = −x/y² = −z/y
  return record('div', [a, b], zip(a, b, 'a / b', 'div'), (g, z) => [div(g, b), neg(mul(g, div(z, b)))]);
}

registerOp('div', { cases: binaryChecks(div, awayFromZero) });
