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

export function newArray(dtype: DType, size: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}
