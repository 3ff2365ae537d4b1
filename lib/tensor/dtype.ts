import { activeArena } from './arena';

/**
 * Element types. float32 is the default (what training uses); float64 is for exact work such as gradient checks,
 * where finite differences need every bit.
 */
export type DType = 'float32' | 'float64';
export type TypedArray = Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'float64'];

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'float64';
}

/**
 * A zeroed array: reused from the arena of a training step when one is running, else new. `zeroed: false` is for
 * the caller that overwrites every element at once (a kernel's output copied in): a reused array is then not
 * cleared first.
 */
export function allocate(dtype: DType, size: number, zeroed = true): TypedArray {
  return (activeArena()?.take(dtype, size, zeroed) as TypedArray | undefined) ?? newArray(dtype, size);
}

/** A zeroed Int32Array of indices (a max-pool's winners), from the running step's arena like `allocate`. */
export function allocateIndices(size: number): Int32Array {
  return (activeArena()?.take('int32', size) as Int32Array | undefined) ?? new Int32Array(size);
}

export function newArray(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}
