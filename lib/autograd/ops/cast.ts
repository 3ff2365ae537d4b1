import { DType, isDType } from '../../tensor/dtype';
import { allocate } from '../../tensor/arena';
import { DTypeError } from '../../tensor/errors';
import { check, normal } from '../cases';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor } from '../tensor';

/** The same values in another dtype (float64 → float32 rounds). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!isDType(dtype)) throw new DTypeError(`cast: unknown dtype '${String(dtype)}' (use 'float32' or 'float64')`);
  if (dtype === x.dtype) return x;
  const data = allocate(dtype, x.size);
  data.set(x.data);
  // a change of precision: the gradient goes back in the input's dtype
  return record('cast', [x], { data, shape: x.shape, dtype }, (g) => [cast(g, x.dtype)]);
}

// Through float32 the values round to ~6e-8, so the finite-difference step must be far larger than that.
registerOp('cast', {
  cases: [
    check((x) => cast(cast(x, 'float32'), 'float64'), [normal([2, 3])], '[2,3] → float32 → float64', { eps: 1e-2 }),
  ],
});
