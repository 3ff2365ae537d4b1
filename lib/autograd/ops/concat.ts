import { ShapeError, ValueError } from '../../tensor/errors';
import { checkSameDType } from '../../tensor/kernels/elementwise';
import { concat as concatKernel } from '../../tensor/kernels/layout';
import { formatShape, normalizeAxis } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { slice } from './slice';

/** Joins tensors along `axis`; every other axis must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ValueError('concat: needs at least one tensor');
  checkSameDType('concat', ...xs);
  const at = normalizeAxis(axis, xs[0].rank, 'concat');
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.shape.some((d, i) => i !== at && d !== xs[0].shape[i])) {
      throw new ShapeError(
        `concat: shapes ${xs.map((t) => formatShape(t.shape)).join(', ')} differ outside axis ${at}`,
      );
    }
  }
  // each input gets back its own stretch of the gradient
  return record('concat', xs, concatKernel(xs, at), (g) => {
    let offset = 0;
    return xs.map((x) => {
      const begin = g.shape.map((_, i) => (i === at ? offset : 0));
      offset += x.shape[at];
      return slice(g, begin, x.shape);
    });
  });
}

registerOp('concat', {
  cases: [
    check(
      (a, b, c) => concat([a, b, c], 1),
      [normal([2, 3]), normal([2, 1]), normal([2, 4])],
      '[2,3] ∘ [2,1] ∘ [2,4] axis 1',
    ),
  ],
});
