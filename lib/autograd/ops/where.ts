import { select } from '../../tensor/kernels/elementwise';
import { check, normal } from '../cases';
import { zerosLike } from '../creation';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { gt } from './pointwise';
import { operands } from './operands';
import { sum } from './sum';

/** Picks x where the mask is non-zero and y elsewhere; the three broadcast together. */
export function where(mask: Tensor, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('where', x, y);
  // ∂/∂x = g where mask, ∂/∂y = g elsewhere; the mask gets no gradient
  return record('where', [mask, a, b], select(mask, a, b, 'where'), (g) => {
    const zero = zerosLike(g);
    return [null, where(mask, g, zero), where(mask, zero, g)];
  });
}

// The masks come from the inputs through a comparison, so finite differences leave them unchanged.
registerOp('where', {
  cases: [
    check((x, y) => where(gt(x, 0), x, y), [normal([3, 4]), normal([3, 4])], 'mask [3,4], [3,4] ∘ [3,4]'),
    check((x, y) => where(gt(y, 0.3), x, y), [normal([4]), normal([3, 4])], 'mask [3,4], [4] ∘ [3,4]'),
    check((x, y) => where(gt(sum(y, 1, true), 0), x, y), [normal([3, 4]), normal([3, 4])], 'mask [3,1], [3,4] ∘ [3,4]'),
  ],
});
