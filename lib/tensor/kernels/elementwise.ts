import { allocate } from '../dtype';
import { DTypeError } from '../errors';
import { emptyLike, NDArray, ndarray } from '../ndarray';
import { broadcastShapes, Shape, sizeOf } from '../shape';
import { broadcastOffsets, repeatingSize } from './strided';

export type UnaryFn = (x: number) => number;
export type BinaryFn = (x: number, y: number) => number;

export function checkSameDType(op: string, ...arrays: NDArray[]): void {
  const dtype = arrays[0].dtype;
  for (const a of arrays) {
    if (a.dtype !== dtype) throw new DTypeError(`${op}: dtypes differ: ${dtype} and ${a.dtype}`);
  }
}

/** y[i] = f(x[i]). */
export function map(x: NDArray, f: UnaryFn): NDArray {
  const out = allocate(x.dtype, x.data.length);
  const a = x.data;
  for (let i = 0; i < a.length; i++) out[i] = f(a[i]);
  return ndarray(out, x.shape);
}

/** z = f(x, y) elementwise, broadcasting x and y against each other. */
export function zip(x: NDArray, y: NDArray, f: BinaryFn, op: string): NDArray {
  checkSameDType(op, x, y);
  const shape = broadcastShapes(x.shape, y.shape, op);
  const out = emptyLike(x.dtype, shape);
  const z = out.data;
  const a = x.data;
  const b = y.data;
  const n = z.length;
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) z[i] = f(a[i], b[i]);
    return out;
  }
  const na = repeatingSize(shape, x.shape);
  const nb = repeatingSize(shape, y.shape);
  if (na > 0 && nb > 0) {
    for (let i = 0; i < n; i++) z[i] = f(a[i % na], b[i % nb]);
    return out;
  }
  const ia = broadcastOffsets(shape, x.shape);
  const ib = broadcastOffsets(shape, y.shape);
  for (let i = 0; i < n; i++) z[i] = f(a[ia[i]], b[ib[i]]);
  return out;
}

/** out = mask ≠ 0 ? a : b, the three broadcast together. */
export function select(mask: NDArray, x: NDArray, y: NDArray, op: string): NDArray {
  checkSameDType(op, mask, x, y);
  const shape = broadcastShapes(broadcastShapes(mask.shape, x.shape, op), y.shape, op);
  const out = emptyLike(x.dtype, shape);
  const [im, ia, ib] = [mask, x, y].map((t) => broadcastOffsets(shape, t.shape));
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = mask.data[im[i]] !== 0 ? x.data[ia[i]] : y.data[ib[i]];
  }
  return out;
}

/** Repeats x along its size-1 (or missing leading) axes until it has `shape`. */
export function broadcastTo(x: NDArray, shape: Shape, op: string): NDArray {
  broadcastShapes(x.shape, shape, op);
  const offsets = broadcastOffsets(shape, x.shape);
  const out = allocate(x.dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = x.data[offsets[i]];
  return ndarray(out, shape);
}
