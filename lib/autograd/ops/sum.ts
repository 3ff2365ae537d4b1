import { getBackend } from '../../tensor/backend';
import { withShape } from '../../tensor/ndarray';
import { normalizeAxes, Shape } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { broadcastTo } from './broadcast-to';
import { reshape } from './reshape';

/** The shape of a reduction's result: reduced axes kept as 1, or dropped. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  return keepDims
    ? shape.map((d, axis) => (axes.includes(axis) ? 1 : d))
    : shape.filter((_, axis) => !axes.includes(axis));
}

/** Σ over `axes` (all when omitted); reduced axes are dropped unless keepDims. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.rank, 'sum');
  const kept = getBackend().reduce(x, list, 'sum', 'sum');
  const shape = reducedShape(x.shape, list, keepDims);
  // ∂Σx/∂xᵢ = 1: every element gets the gradient of the sum it fed
  return record('sum', [x], withShape(kept, shape), (g) => [broadcastTo(reshape(g, kept.shape), x.shape)]);
}

registerOp('sum', {
  cases: [
    check((x) => sum(x), [normal([3, 4])], '[3,4] all axes'),
    check((x) => sum(x, [0, 2]), [normal([2, 3, 4])], '[2,3,4] axes [0,2]'),
    check((x) => sum(x, -1, true), [normal([2, 3, 4])], '[2,3,4] axis -1 keepDims'),
  ],
});
