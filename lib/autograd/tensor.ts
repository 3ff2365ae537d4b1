import { DType, dtypeOf, TypedArray } from '../tensor/dtype';
import { ShapeError, ValueError } from '../tensor/errors';
import { hostValues } from '../tensor/device-copies';
import { NDArray, NestedArray, storageOf, toNested } from '../tensor/ndarray';
import { checkShape, formatShape, Shape, sizeOf } from '../tensor/shape';

/**
 * Given ∂L/∂output (and the output itself, handy for exp, sqrt, …), returns ∂L/∂input for each input, or null
 * where an input gets no gradient. A gradient may keep the broadcast shape: the tape sums it back.
 */
export type BackwardFn = (grad: Tensor, output: Tensor) => ReadonlyArray<Tensor | null>;

/** One step of the tape: which op made a tensor, from what, and how to send gradients back through it. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

/** Where a number may stand for a tensor: `add(x, 1)`. It takes the dtype of the tensor beside it. */
export type TensorLike = Tensor | number;

/**
 * An n-dimensional array of float32 or float64 numbers that can record how it was computed.
 *
 * A tensor created with `requiresGrad: true` is a *leaf*: after `loss.backward()` its `.grad` holds ∂loss/∂leaf.
 * A tensor computed from one that requires grad carries `gradFn`, the step of the tape that made it.
 * Tensors are treated as immutable values; `reshape` and `detach` share their data, like PyTorch views.
 * `backward()` and the op methods (`x.mul(y).sum(1)`) are added in `methods.ts`, which is built on the tape and the ops.
 */
export class Tensor implements NDArray {
  /** The array holding the values (replaced only by `moveTo`); they may be on a device, see `data`. */
  private values: TypedArray;
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
    this.values = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
  }

  /** The values on the host: read back first when a device computed them (tensor/device-copies.ts). */
  get data(): TypedArray {
    return hostValues(this.values);
  }

  /** The array itself, without bringing device values home: what ops and kernels pass along. */
  get storage(): TypedArray {
    return this.values;
  }

  get size(): number {
    return this.values.length;
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
      throw new ValueError(
        `item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements; item() needs exactly one`,
      );
    }
    return this.data[0];
  }

  /** The values as nested arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    return toNested(this.data, this.shape);
  }

  /**
   * Moves the values into `data` (same length and dtype), which this tensor uses from now on — how a parameter
   * moves into a backend's memory for training and back (PyTorch's `param.data = …`). Views made before
   * (reshape, detach) keep the array they had.
   */
  moveTo(data: TypedArray): void {
    if (data.length !== this.size || dtypeOf(data) !== this.dtype) {
      throw new ValueError(
        `moveTo: expected a ${this.dtype} array of ${this.size} values, got ${dtypeOf(data)} of ${data.length}`,
      );
    }
    if (data !== this.values) data.set(this.data);
    this.values = data;
  }

  /** The same values, cut off from the tape (shares data). */
  detach(): Tensor {
    return new Tensor(this.values, this.shape);
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
}

/** Wraps a kernel's result as a tensor that records nothing. */
export function fromNDArray(array: NDArray): Tensor {
  return array instanceof Tensor && !array.requiresGrad ? array : new Tensor(storageOf(array), array.shape);
}
