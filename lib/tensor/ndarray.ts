import { DType, dtypeOf, TypedArray } from './dtype';
import { allocate } from './arena';
import { ShapeError, ValueError } from './errors';
import { checkShape, formatShape, Shape, sizeOf } from './shape';

/**
 * What every kernel reads and writes: numbers in a typed array, contiguous and row-major, with their shape.
 * The autograd `Tensor` is one; kernels neither know nor care whether a gradient is being recorded.
 */
export interface NDArray {
  /** The values, on the host (brought back from a device first if they live there: see device-copies.ts). */
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
  /** The array itself, as it is: what a backend passes on without bringing device values home (default: data). */
  readonly storage?: TypedArray;
}

/** An array's storage: its typed array, whether its current values are on the host or on a device. */
export function storageOf(array: NDArray): TypedArray {
  return array.storage ?? array.data;
}

/**
 * The same array under another shape of the same size, without bringing device values home (spreading an
 * NDArray, `{ ...a, shape }`, would read its `data`).
 */
export function withShape(a: NDArray, shape: Shape): NDArray {
  return ndarray(storageOf(a), shape);
}

export function ndarray(data: TypedArray, shape: Shape): NDArray {
  return { data, shape, dtype: dtypeOf(data) };
}

export function emptyLike(dtype: DType, shape: Shape): NDArray {
  return ndarray(allocate(dtype, sizeOf(shape)), shape);
}

/** Nested arrays of numbers, as users write them: `[[1, 2], [3, 4]]`. */
export type NestedArray = number | readonly NestedArray[];

/** Reads nested arrays (or a flat list with an explicit shape) into a typed array, checking the shape is regular. */
export function fromValues(
  values: NestedArray | ArrayLike<number>,
  shape: Shape | undefined,
  dtype: DType,
  op: string,
): NDArray {
  const inferred = typeof values === 'number' ? [] : inferShape(values);
  const flat = typeof values === 'number' ? [values] : flatten(values, inferred, op);
  const finalShape = shape ?? inferred;
  checkShape(finalShape, op);
  if (sizeOf(finalShape) !== flat.length) {
    throw new ShapeError(`${op}: ${flat.length} values do not fill shape ${formatShape(finalShape)}`);
  }
  const data = allocate(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number') throw new ValueError(`${op}: element ${i} is ${typeof v}, not a number`);
    data[i] = v;
  }
  return ndarray(data, finalShape);
}

function isListLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || ArrayBuffer.isView(value);
}

function inferShape(values: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = values;
  while (isListLike(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flatten(values: unknown, shape: Shape, op: string): unknown[] {
  if (ArrayBuffer.isView(values)) return Array.from(values as TypedArray);
  const out: unknown[] = [];
  const walk = (level: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      out.push(level);
      return;
    }
    if (!isListLike(level) || level.length !== shape[depth]) {
      const got = isListLike(level) ? `length ${level.length}` : typeof level;
      throw new ShapeError(
        `${op}: ragged nested array at [${path.join(',')}]: expected length ${shape[depth]}, got ${got}`,
      );
    }
    for (let i = 0; i < level.length; i++) walk(level[i], depth + 1, [...path, i]);
  };
  walk(values, 0, []);
  return out;
}

/** The inverse of `fromValues`: nested JS arrays (a plain number for a scalar). */
export function toNested(data: TypedArray, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0];
  const build = (offset: number, axis: number): NestedArray[] => {
    const stride = sizeOf(shape.slice(axis + 1));
    const rows: NestedArray[] = [];
    for (let i = 0; i < shape[axis]; i++) {
      rows.push(axis === shape.length - 1 ? data[offset + i] : build(offset + i * stride, axis + 1));
    }
    return rows;
  };
  return build(0, 0);
}
