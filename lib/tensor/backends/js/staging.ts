import { DType, TypedArray } from '../../dtype';
import { allocate, allocateIndices } from '../../arena';
import { NDArray, ndarray } from '../../ndarray';
import { SharedHeap } from './memory';

type Numbers = TypedArray | Int32Array;

/**
 * The operands of one kernel call, as element offsets into the shared memory. Arrays already there (a step's
 * arrays, lent by an arena that draws from this backend) are used in place; others are copied into temporary
 * blocks (on the heap's stack of temporaries), and outputs made elsewhere are copied out at the end. `done()`
 * frees the temporaries: Stagings nest, each done before the one it runs inside.
 */
export class Staging {
  private readonly mark: { chunk: number; used: number };
  private readonly copies: Array<[Numbers, number]> = [];
  private readonly bytes: number;

  constructor(
    private readonly heap: SharedHeap,
    readonly dtype: DType,
  ) {
    this.bytes = dtype === 'float64' ? 8 : 4;
    this.mark = heap.temps.mark();
  }

  /** Where an input's values are (in elements of its kind: the dtype, or int32 for indices). */
  input(array: Numbers): number {
    const size = array instanceof Int32Array ? 4 : this.bytes;
    const at = this.heap.offsetOf(array);
    if (at >= 0) return at / size;
    const copy = this.temp(array.length, array instanceof Int32Array ? 4 : this.bytes);
    (array instanceof Int32Array ? this.heap.view('int32') : this.heap.view(this.dtype)).set(array, copy);
    return copy;
  }

  /** Where an array the kernel updates in place is: where it lives, or a copy that is copied back at the end. */
  inout(array: TypedArray): number {
    const at = this.input(array);
    if (this.heap.offsetOf(array) < 0) this.copies.push([array, at]);
    return at;
  }

  /** A temporary block of `count` elements (of `size` bytes each: the dtype's by default), zeroed when asked. */
  temp(count: number, size = this.bytes, zero = false): number {
    const at = this.heap.temps.push(count * size);
    if (zero) this.heap.zero(at, count * size);
    return at / size;
  }

  /** An output of `shape` in the dtype (contents to be written by the kernel, or zeroed when asked). */
  output(shape: number[], zero = false): { array: NDArray; at: number } {
    const data = allocate(
      this.dtype,
      shape.reduce((a, b) => a * b, 1),
      false,
    );
    return { array: ndarray(data, shape), at: this.place(data, zero) };
  }

  /** An int32 output (a max-pool's winners, one written for every window: not zeroed first). */
  indices(size: number): { array: Int32Array; at: number } {
    const data = allocateIndices(size, false);
    return { array: data, at: this.place(data, false) };
  }

  private place(data: Numbers, zero: boolean): number {
    const size = data instanceof Int32Array ? 4 : this.bytes;
    let at = this.heap.offsetOf(data) / size;
    if (at < 0) {
      at = this.temp(data.length, size);
      this.copies.push([data, at]);
    }
    if (zero) this.heap.zero(at * size, data.length * size);
    return at;
  }

  /** The memory as this call's dtype (for the few values the caller reads or writes itself). */
  view(): TypedArray {
    return this.heap.view(this.dtype) as TypedArray;
  }

  /** Copies out the outputs that were not in the memory, then frees every temporary. */
  done(): void {
    for (const [data, at] of this.copies) {
      const view = data instanceof Int32Array ? this.heap.view('int32') : this.heap.view(this.dtype);
      data.set(view.subarray(at, at + data.length));
    }
    this.heap.temps.pop(this.mark);
  }
}
