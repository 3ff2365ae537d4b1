import { map } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { asTensor } from './operands';

/** −x. */
export function neg(x: TensorLike): Tensor {
  const a = asTensor(x, 'neg');
  // ∂(−x)/∂x = −1
  return record('neg', [a], map(a, '-a'), (g) => [neg(g)]);
}

registerOp('neg', { cases: [check(neg, [normal([3, 4])])] });
