import { normalizeAxes, sizeOf } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { Tensor } from '../tensor';
import { mul } from './pointwise';
import { sum } from './sum';

/** The average over `axes` (all when omitted): Σx / n. Composed of sum and mul, so it needs no backward of its own. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.rank, 'mean');
  const n = sizeOf(list.map((axis) => x.shape[axis]));
  return mul(sum(x, list, keepDims), 1 / n);
}

registerOp('mean', {
  cases: [
    check((x) => mean(x), [normal([3, 4])], '[3,4] all axes'),
    check((x) => mean(x, [0, 2], true), [normal([2, 3, 4])], '[2,3,4] axes [0,2] keepDims'),
  ],
});
