import { TypedArray } from '../dtype';
import { allocate } from '../arena';
import { emptyLike, NDArray, ndarray } from '../ndarray';
import { Shape, sizeOf, stridesOf } from '../shape';
import { stridedOffsets } from './strided';

function gatherOffsets(x: NDArray, shape: Shape, offsets: Int32Array): NDArray {
  const out = allocate(x.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = x.data[offsets[i]];
  return ndarray(out, shape);
}

/** out[i0, i1, …] = x[i_perm⁻¹…]: axis k of the result is axis perm[k] of x. */
export function transpose(x: NDArray, perm: readonly number[]): NDArray {
  const strides = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  return gatherOffsets(
    x,
    shape,
    stridedOffsets(
      shape,
      perm.map((p) => strides[p]),
    ),
  );
}

function sliceOffsets(fullShape: Shape, begin: readonly number[], size: Shape): Int32Array {
  const strides = stridesOf(fullShape);
  const base = begin.reduce((sum, b, axis) => sum + b * strides[axis], 0);
  return stridedOffsets(size, strides, base);
}

/** The block of x starting at `begin` with extent `size` (both already checked against x's shape). */
export function slice(x: NDArray, begin: readonly number[], size: Shape): NDArray {
  return gatherOffsets(x, size, sliceOffsets(x.shape, begin, size));
}

/** The adjoint of `slice`: a zero tensor of `fullShape` with `block` written at `begin`. */
export function unslice(block: NDArray, fullShape: Shape, begin: readonly number[]): NDArray {
  const out = emptyLike(block.dtype, fullShape);
  const offsets = sliceOffsets(fullShape, begin, block.shape);
  for (let i = 0; i < offsets.length; i++) out.data[offsets[i]] = block.data[i];
  return out;
}

/** Joins tensors along `axis`; all other axes agree (checked by the caller). */
export function concat(xs: readonly NDArray[], axis: number): NDArray {
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((sum, x) => sum + x.shape[axis], 0);
  const out = emptyLike(xs[0].dtype, shape);
  const outer = sizeOf(shape.slice(0, axis));
  const outChunk = sizeOf(shape.slice(axis));
  let offset = 0;
  for (const x of xs) {
    const chunk = sizeOf(x.shape.slice(axis));
    for (let o = 0; o < outer; o++) out.data.set(x.data.subarray(o * chunk, (o + 1) * chunk), o * outChunk + offset);
    offset += chunk;
  }
  return out;
}

/** Rows of x (axis 0) picked by index: out[i] = x[indices[i]]. */
export function gatherRows(x: NDArray, indices: ArrayLike<number>): NDArray {
  const row = sizeOf(x.shape.slice(1));
  const out = allocate(x.dtype, indices.length * row);
  for (let i = 0; i < indices.length; i++) out.set(x.data.subarray(indices[i] * row, (indices[i] + 1) * row), i * row);
  return ndarray(out, [indices.length, ...x.shape.slice(1)]);
}

/** The adjoint of `gatherRows`: rows of `g` added into a zero tensor of `shape` (a row picked twice gets both). */
export function scatterAddRows(g: NDArray, indices: ArrayLike<number>, shape: Shape): NDArray {
  const out = emptyLike(g.dtype, shape);
  const row = sizeOf(shape.slice(1));
  for (let i = 0; i < indices.length; i++) {
    addInto(out.data, indices[i] * row, g.data, i * row, row);
  }
  return out;
}

function addInto(target: TypedArray, at: number, source: TypedArray, from: number, length: number): void {
  for (let k = 0; k < length; k++) target[at + k] += source[from + k];
}

/** The main diagonal of a matrix [n, m] as a vector of min(n, m) values. */
export function diagPart(x: NDArray): NDArray {
  const [n, m] = x.shape;
  const k = Math.min(n, m);
  const out = allocate(x.dtype, k);
  for (let i = 0; i < k; i++) out[i] = x.data[i * m + i];
  return ndarray(out, [k]);
}

/** A rows×cols matrix with vector v on its main diagonal and zeros elsewhere. */
export function diagMatrix(v: NDArray, rows: number, cols: number): NDArray {
  const out = emptyLike(v.dtype, [rows, cols]);
  for (let i = 0; i < Math.min(rows, cols, v.shape[0]); i++) out.data[i * cols + i] = v.data[i];
  return out;
}
