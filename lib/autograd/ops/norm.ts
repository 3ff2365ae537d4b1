import { getBackend } from '../../tensor/backend';
import { withShape } from '../../tensor/ndarray';
import { normalizeAxes } from '../../tensor/shape';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';
import { div, eq, mul } from './pointwise';
import { reshape } from './reshape';
import { reducedShape } from './sum';
import { where } from './where';

/** Euclidean (L2) norm over `axes` (all when omitted): √Σx². */
export function norm(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.rank, 'norm');
  const backend = getBackend();
  const kept = backend.map(backend.reduce(backend.map(x, 'a * a', 0, 0), list, 'sum', 'norm'), 'Math.sqrt(a)', 0, 0);
  const shape = reducedShape(x.shape, list, keepDims);
  // ∂‖x‖/∂xᵢ = xᵢ / ‖x‖; at ‖x‖ = 0 we take the subgradient 0 (PyTorch's choice) rather than NaN
  return record('norm', [x], withShape(kept, shape), (g, y) => {
    const n = reshape(y, kept.shape);
    return [mul(reshape(g, kept.shape), where(eq(n, 0), 0, div(x, n)))];
  });
}

registerOp('norm', {
  kink: { at: 'at 0', gradient: '0' },
  cases: [
    check((x) => norm(x), [normal([3, 4])], '[3,4] all axes'),
    check((x) => norm(x, [1, 2], true), [normal([2, 3, 4])], '[2,3,4] axes [1,2] keepDims'),
  ],
});
