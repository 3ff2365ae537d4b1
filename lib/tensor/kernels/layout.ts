import { TypedArray } from '../dtype';
import { allocate } from '../arena';
import { emptyLike, NDArray, ndarray } from '../ndarray';
import { broadcastShapes, Shape, sizeOf, stridesOf } from '../shape';
import { stridedOffsets } from './strided';

/**
 * A walk through an array's memory: the result's `shape`, and for each of its axes how far a step along it moves
 * in the source (`strides`), from `base`. Every layout op that only reads is one: a transpose permutes the
 * strides, a slice starts at an offset, a broadcast sets them to 0 on the axes it repeats, a diagonal steps n + 1.
 */
export interface Walk {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly base: number;
}

/** out[i] = x[base + Σ_k index_k(i)·strides[k]]: x read along the walk. */
export function strided(x: NDArray, walk: Walk): NDArray {
  const offsets = stridedOffsets(walk.shape, walk.strides, walk.base);
  const out = allocate(x.dtype, offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = x.data[offsets[i]];
  return ndarray(out, walk.shape);
}

/** Axis k of the result is axis perm[k] of an array of `shape`. */
export function transposeWalk(shape: Shape, perm: readonly number[]): Walk {
  const strides = stridesOf(shape);
  return { shape: perm.map((p) => shape[p]), strides: perm.map((p) => strides[p]), base: 0 };
}

/** The block of an array of `fullShape` starting at `begin` with extent `size` (both already checked). */
export function sliceWalk(fullShape: Shape, begin: readonly number[], size: Shape): Walk {
  const strides = stridesOf(fullShape);
  return { shape: size, strides, base: begin.reduce((sum, b, axis) => sum + b * strides[axis], 0) };
}

/** An array of `inShape` repeated along its size-1 (or missing leading) axes to `shape` (NumPy rules). */
export function broadcastWalk(inShape: Shape, shape: Shape, op: string): Walk {
  broadcastShapes(inShape, shape, op);
  const lead = shape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const strides = shape.map((_, axis) => (axis >= lead && inShape[axis - lead] !== 1 ? inStrides[axis - lead] : 0));
  return { shape, strides, base: 0 };
}

/** The main diagonal of a matrix [n, m]: min(n, m) values, m + 1 apart in row-major order. */
export function diagonalWalk([n, m]: Shape): Walk {
  return { shape: [Math.min(n, m)], strides: [m + 1], base: 0 };
}

/** The adjoint of `slice`: a zero tensor of `fullShape` with `block` written at `begin`. */
export function unslice(block: NDArray, fullShape: Shape, begin: readonly number[]): NDArray {
  const out = emptyLike(block.dtype, fullShape);
  const walk = sliceWalk(fullShape, begin, block.shape);
  const offsets = stridedOffsets(walk.shape, walk.strides, walk.base);
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

/** A rows×cols matrix with vector v on its main diagonal and zeros elsewhere. */
export function diagMatrix(v: NDArray, rows: number, cols: number): NDArray {
  const out = emptyLike(v.dtype, [rows, cols]);
  for (let i = 0; i < Math.min(rows, cols, v.shape[0]); i++) out.data[i * cols + i] = v.data[i];
  return out;
}
