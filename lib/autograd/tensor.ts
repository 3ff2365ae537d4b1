import { DType, dtypeOf, TypedArray } from '../tensor/dtype';
import { ShapeError, ValueError } from '../tensor/errors';
import { NDArray, NestedArray, toNested } from '../tensor/ndarray';
import { checkShape, formatShape, Shape, sizeOf } from '../tensor/shape';
import * as ops from './ops';
import { backward, GradNode } from './tape';

/** Where a number may stand for a tensor: `add(x, 1)`. It takes the dtype of the tensor beside it. */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array of float32 or float64 numbers that can record how it was computed.
 *
 * A tensor created with `requiresGrad: true` is a *leaf*: after `loss.backward()` its `.grad` holds ∂loss/∂leaf.
 * A tensor computed from one that requires grad carries `gradFn`, the step of the tape that made it.
 * Tensors are treated as immutable values; `reshape` and `detach` share their data, like PyTorch views.
 */
export class Tensor implements NDArray {
  /** The values; replaced only by `moveTo`. */
  data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
  /** ∂(last backward root)/∂this, accumulated over `backward()` calls; set on leaves only. */
  grad: Tensor | null = null;

  constructor(
    data: TypedArray,
    shape: Shape,
    readonly requiresGrad = false,
    readonly gradFn: GradNode | null = null,
  ) {
    checkShape(shape, 'Tensor');
    if (sizeOf(shape) !== data.length) {
      throw new ShapeError(`Tensor: ${data.length} values do not fill shape ${formatShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A leaf is a tensor nothing on the tape produced: the parameters and inputs gradients flow into. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new ValueError(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements; item() needs exactly one`);
    }
    return this.data[0];
  }

  /** The values as nested arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    return toNested(this.data, this.shape);
  }

  /**
   * Back-propagates from this tensor: every leaf it depends on gets ∂this/∂leaf added to `.grad`.
   * A non-scalar needs the upstream gradient ∂L/∂this, of its own shape.
   */
  backward(gradient?: Tensor): void {
    backward(this, gradient);
  }

  /**
   * Moves the values into `data` (same length and dtype), which this tensor uses from now on — how a parameter
   * moves into a backend's memory for training and back (PyTorch's `param.data = …`). Views made before
   * (reshape, detach) keep the array they had.
   */
  moveTo(data: TypedArray): void {
    if (data.length !== this.data.length || dtypeOf(data) !== this.dtype) {
      throw new ValueError(`moveTo: expected a ${this.dtype} array of ${this.data.length} values, got ${dtypeOf(data)} of ${data.length}`);
    }
    if (data !== this.data) data.set(this.data);
    this.data = data;
  }

  /** The same values, cut off from the tape (shares data). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy with its own data, optionally as a new leaf that requires grad. */
  clone(options: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(this.data.slice(), this.shape, options.requiresGrad ?? false);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    return `Tensor(${this.dtype} ${formatShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // The common ops as methods, so expressions read left to right: d.mul(mask).max(1).
  add(other: TensorLike): Tensor {
    return ops.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return ops.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return ops.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ops.div(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  pow(exponent: number): Tensor {
    return ops.pow(this, exponent);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return ops.sum(this, axes, keepDims);
  }
  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    return ops.mean(this, axes, keepDims);
  }
  max(axes?: number | readonly number[], keepDims = false): Tensor {
    return ops.max(this, axes, keepDims);
  }
  min(axes?: number | readonly number[], keepDims = false): Tensor {
    return ops.min(this, axes, keepDims);
  }
  reshape(shape: Shape): Tensor {
    return ops.reshape(this, shape);
  }
  transpose(perm?: readonly number[]): Tensor {
    return ops.transpose(this, perm);
  }
  matmul(other: Tensor, transposeA = false, transposeB = false): Tensor {
    return ops.matmul(this, other, transposeA, transposeB);
  }
}

/** Wraps a kernel's result as a tensor that records nothing. */
export function fromNDArray(array: NDArray): Tensor {
  return array instanceof Tensor && !array.requiresGrad ? array : new Tensor(array.data, array.shape);
}
