import { DType } from '../../tensor/dtype';
import { allocate } from '../../tensor/arena';
import { ValueError } from '../../tensor/errors';
import { Tensor, TensorLike } from '../tensor';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array (wrap it with tensor(...))';
  return typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value;
}

/** The tensor an argument stands for; a number becomes a scalar of `dtype`. */
export function asTensor(x: unknown, op: string, dtype: DType = 'float32'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') {
    const value = allocate(dtype, 1, false); // in a training step, from its arena
    value[0] = x;
    return new Tensor(value, []);
  }
  throw new ValueError(`${op}: expected a Tensor or a number, got ${describe(x)}`);
}

/** Both operands of a binary op as tensors; a number takes the dtype of the tensor beside it. */
export function operands(op: string, x: TensorLike, y: TensorLike): [Tensor, Tensor] {
  const dtype = x instanceof Tensor ? x.dtype : y instanceof Tensor ? y.dtype : 'float32';
  return [asTensor(x, op, dtype), asTensor(y, op, dtype)];
}
