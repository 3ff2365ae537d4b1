import { ValueError } from '../../tensor/errors';
import { gatherRows, scatterAddRows } from '../../tensor/kernels/layout';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';

/** Rows of x picked by index (along axis 0): out[i] = x[indices[i]]; a row may be picked several times. */
export function gather(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (x.rank === 0) throw new ValueError('gather: cannot pick rows of a scalar');
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= x.shape[0]) {
      throw new ValueError(`gather: index ${k} (position ${i}) is out of range for ${x.shape[0]} rows`);
    }
  }
  const picked = Int32Array.from(indices);
  // each picked row sends its gradient back to its source row; repeats add up
  return record('gather', [x], gatherRows(x, picked), (g) => [fromNDArray(scatterAddRows(g, picked, x.shape))]);
}

registerOp('gather', { cases: [check((x) => gather(x, [2, 0, 2, 3]), [normal([4, 3])], '[4,3] rows [2,0,2,3]')] });
