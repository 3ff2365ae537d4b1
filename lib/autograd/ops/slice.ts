import { ShapeError } from '../../tensor/errors';
import { getBackend } from '../../tensor/backend';
import { sliceWalk, unslice } from '../../tensor/kernels/layout';
import { formatShape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';

/** The block of x that starts at `begin` and spans `size` (−1: to the end of that axis). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const extent = x.shape.map((d, i) => (size === undefined || size[i] === -1 ? d - (begin[i] ?? 0) : size[i]));
  const valid =
    begin.length === x.rank &&
    (size === undefined || size.length === x.rank) &&
    begin.every(
      (b, i) =>
        Number.isInteger(b) && b >= 0 && Number.isInteger(extent[i]) && extent[i] >= 0 && b + extent[i] <= x.shape[i],
    );
  if (!valid) {
    throw new ShapeError(
      `slice: begin [${begin.join(',')}] and size [${(size ?? []).join(',')}] do not fit inside ${formatShape(x.shape)}`,
    );
  }
  // the gradient goes back to where the block came from; everything else gets 0
  const block = getBackend().strided(x, sliceWalk(x.shape, begin, extent));
  return record('slice', [x], block, (g) => [fromNDArray(unslice(g, x.shape, begin))]);
}

registerOp('slice', {
  cases: [check((x) => slice(x, [1, 0, 1], [1, 2, -1]), [normal([2, 3, 4])], '[2,3,4] from [1,0,1] size [1,2,-1]')],
});
