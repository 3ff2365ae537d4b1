import { ShapeError } from '../../tensor/errors';
import { checkShape, formatShape, normalizeAxes, normalizeAxis, Shape, sizeOf } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** Resolves one −1 in a requested shape from the element count, and checks the sizes agree. */
function resolveShape(from: Shape, to: Shape, op: string): number[] {
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`${op}: at most one dimension may be -1, got ${formatShape(to)}`);
  const known = to.filter((d) => d !== -1);
  checkShape(known, op);
  const size = sizeOf(from);
  const rest = sizeOf(known);
  const inferred = unknown === 1 && rest > 0 && size % rest === 0 ? size / rest : -1;
  const shape = to.map((d) => (d === -1 ? inferred : d));
  if (shape.includes(-1) || sizeOf(shape) !== size) {
    throw new ShapeError(`${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
  }
  return shape;
}

/** The same elements in row-major order under a new shape (one size may be −1). Shares data. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const target = resolveShape(x.shape, shape, 'reshape');
  // reshaping moves no value: the gradient is reshaped back
  return record('reshape', [x], { data: x.storage, shape: target, dtype: x.dtype }, (g) => [reshape(g, x.shape)]);
}

/** Inserts an axis of size 1 at `axis` (−1 appends one). A reshape. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const at = normalizeAxis(axis, x.rank + 1, 'expandDims');
  return reshape(x, [...x.shape.slice(0, at), 1, ...x.shape.slice(at)]);
}

/** Removes axes of size 1: the given ones (each must be 1), or all of them. A reshape. */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list =
    axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axes, x.rank, 'squeeze');
  for (const axis of list) {
    if (x.shape[axis] !== 1)
      throw new ShapeError(`squeeze: axis ${axis} of ${formatShape(x.shape)} has size ${x.shape[axis]}, not 1`);
  }
  return reshape(
    x,
    x.shape.filter((_, axis) => !list.includes(axis)),
  );
}

registerOp('reshape', { cases: [check((x) => reshape(x, [4, -1]), [normal([2, 3, 4])], '[2,3,4] → [4,-1]')] });
registerOp('expandDims', { cases: [check((x) => expandDims(x, 1), [normal([3, 4])], '[3,4] axis 1')] });
registerOp('squeeze', { cases: [check((x) => squeeze(x), [normal([3, 1, 4, 1])], '[3,1,4,1]')] });
