import { argReduce } from '../../tensor/kernels/reduce';
import { normalizeAxis } from '../../tensor/shape';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

/**
 * Index of the largest element along `axis` (the axis is removed); the first wins a tie. Indices are stored
 * in the input's float dtype (exact below 2²⁴). Not differentiable.
 */
export function argmax(x: Tensor, axis = -1): Tensor {
  return record('argmax', [x], argReduce(x, normalizeAxis(axis, x.rank, 'argmax'), 'max', 'argmax'), null);
}

/** Index of the smallest element along `axis`; see argmax. */
export function argmin(x: Tensor, axis = -1): Tensor {
  return record('argmin', [x], argReduce(x, normalizeAxis(axis, x.rank, 'argmin'), 'min', 'argmin'), null);
}

registerOp('argmax', { differentiable: false });
registerOp('argmin', { differentiable: false });
