import { getBackend } from '../../tensor/backend';
import { withShape } from '../../tensor/ndarray';
import { normalizeAxes } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { fromNDArray, Tensor } from '../tensor';
import { div, eq, mul } from './pointwise';
import { reshape } from './reshape';
import { reducedShape, sum } from './sum';

/**
 * max or min over `axes`. Ties split the gradient equally among the tied elements, as TensorFlow's reduce_max
 * does — the original project's batch-hard loss relies on that rule.
 */
function extremum(
  kind: 'max' | 'min',
  x: Tensor,
  axes: number | readonly number[] | undefined,
  keepDims: boolean,
): Tensor {
  const list = normalizeAxes(axes, x.rank, kind);
  const kept = getBackend().reduce(x, list, kind, kind);
  const shape = reducedShape(x.shape, list, keepDims);
  // ∂max/∂xᵢ = [xᵢ = max] / (number of elements equal to the max)
  return record(kind, [x], withShape(kept, shape), (g) => {
    const winners = eq(x, fromNDArray(kept));
    return [mul(reshape(g, kept.shape), div(winners, sum(winners, list, true)))];
  });
}

export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return extremum('max', x, axes, keepDims);
}

export function min(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return extremum('min', x, axes, keepDims);
}

for (const [name, fn] of [
  ['max', max],
  ['min', min],
] as const) {
  registerOp(name, {
    kink: { at: 'ties', gradient: `split equally among the tied elements (TF's \`reduce_${name}\`)` },
    cases: [
      check((x) => fn(x), [normal([3, 4])], '[3,4] all axes'),
      check((x) => fn(x, [0, 2]), [normal([2, 3, 4])], '[2,3,4] axes [0,2]'),
      check((x) => fn(x, 1, true), [normal([3, 5])], '[3,5] axis 1 keepDims'),
    ],
  });
}
