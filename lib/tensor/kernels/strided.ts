import { allocateIndices } from '../arena';
import { Shape, sizeOf, stridesOf } from '../shape';

/**
 * Walks `shape` in row-major order and returns, for each step, the offset `base + Σ index[axis]·strides[axis]`.
 * Every layout kernel is this one walk with different strides: a transpose permutes them, a slice starts at an
 * offset, a broadcast sets them to 0 on the axes it repeats.
 */
export function stridedOffsets(shape: Shape, strides: readonly number[], base = 0): Int32Array {
  const rank = shape.length;
  const offsets = allocateIndices(sizeOf(shape), false); // in a training step, from its arena; all written below
  const counter = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < offsets.length; i++) {
    offsets[i] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      offset += strides[axis];
      if (++counter[axis] < shape[axis]) break;
      offset -= strides[axis] * shape[axis];
      counter[axis] = 0;
    }
  }
  return offsets;
}

/** For each element of `outShape`, the flat index of the element of `inShape` broadcast onto it (NumPy rules). */
export function broadcastOffsets(outShape: Shape, inShape: Shape): Int32Array {
  const lead = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const strides = outShape.map((_, axis) => {
    const k = axis - lead;
    return k >= 0 && inShape[k] !== 1 ? inStrides[k] : 0;
  });
  return stridedOffsets(outShape, strides);
}

/**
 * When `inShape` broadcasts onto `outShape` by repeating itself whole (a scalar, the same shape, or a bias [C]
 * against [N,H,W,C]), element i of the output reads element i mod size(in). Returns that size, or -1.
 */
export function repeatingSize(outShape: Shape, inShape: Shape): number {
  let k = 0;
  while (k < inShape.length && inShape[k] === 1) k++;
  const core = inShape.slice(k);
  const lead = outShape.length - core.length;
  if (lead < 0 || !core.every((d, i) => d === outShape[lead + i])) return -1;
  return sizeOf(core);
}
