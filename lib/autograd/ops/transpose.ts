import { ValueError } from '../../tensor/errors';
import { getBackend } from '../../tensor/backend';
import { transposeWalk } from '../../tensor/kernels/layout';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** Permutes the axes: axis k of the result is axis perm[k] of x. Reverses them when perm is omitted. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const order = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const valid = order.length === x.rank && [...order].sort((a, b) => a - b).every((p, i) => p === i);
  if (!valid) throw new ValueError(`transpose: [${order.join(',')}] is not a permutation of the ${x.rank} axes`);
  const inverse = order.map((_, i) => order.indexOf(i));
  // moving values is undone by the inverse permutation
  return record('transpose', [x], getBackend().strided(x, transposeWalk(x.shape, order)), (g) => [
    transpose(g, inverse),
  ]);
}

/** PyTorch's name for a transpose with an explicit order. */
export const permute = (x: Tensor, perm: readonly number[]): Tensor => transpose(x, perm);

registerOp('transpose', {
  cases: [
    check((x) => transpose(x), [normal([3, 4])], '[3,4]'),
    check((x) => transpose(x, [1, 2, 0]), [normal([2, 3, 4])], '[2,3,4] perm [1,2,0]'),
  ],
});
