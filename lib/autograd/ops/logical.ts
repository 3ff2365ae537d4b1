import { map, zip } from '../../tensor/kernels/elementwise';
import { registerOp } from '../registry';
import { record } from '../tape';
import { Tensor, TensorLike } from '../tensor';
import { asTensor, operands } from './operands';

// Logic on masks: any non-zero value counts as true; the result is a 0/1 mask. Not differentiable.

export function logicalAnd(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('logicalAnd', x, y);
  return record('logicalAnd', [a, b], zip(a, b, 'a !== 0 && b !== 0 ? 1 : 0', 'logicalAnd'), null);
}

export function logicalOr(x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands('logicalOr', x, y);
  return record('logicalOr', [a, b], zip(a, b, 'a !== 0 || b !== 0 ? 1 : 0', 'logicalOr'), null);
}

export function logicalNot(x: TensorLike): Tensor {
  const a = asTensor(x, 'logicalNot');
  return record('logicalNot', [a], map(a, 'a === 0 ? 1 : 0'), null);
}

registerOp('logicalAnd', { differentiable: false });
registerOp('logicalOr', { differentiable: false });
registerOp('logicalNot', { differentiable: false });
