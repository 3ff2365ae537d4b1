import { allocate } from '../arena';
import { ValueError } from '../errors';
import { NDArray, ndarray } from '../ndarray';
import { sizeOf } from '../shape';
import { broadcastOffsets } from './strided';

export type Reduction = 'sum' | 'max' | 'min';

const START: Record<Reduction, number> = { sum: 0, max: -Infinity, min: Infinity };

/**
 * Reduces x over `axes` (normalised, sorted). The result keeps every axis, the reduced ones with size 1;
 * callers squeeze them if they want. Sums accumulate in float64 whatever the dtype.
 */
export function reduce(x: NDArray, axes: readonly number[], kind: Reduction, op: string): NDArray {
  const keptShape = x.shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
  if (kind !== 'sum' && x.data.length === 0) throw new ValueError(`${op}: cannot reduce an empty tensor`);
  const acc = (allocate('float64', sizeOf(keptShape), false) as Float64Array).fill(START[kind]); // from a step's arena
  const a = x.data;
  if (kind === 'sum' && sumContiguous(x, axes, acc)) return finish(x, acc, keptShape);
  const target = broadcastOffsets(x.shape, keptShape); // input element → its output element
  if (kind === 'sum') for (let i = 0; i < a.length; i++) acc[target[i]] += a[i];
  else if (kind === 'max') for (let i = 0; i < a.length; i++) acc[target[i]] = Math.max(acc[target[i]], a[i]);
  else for (let i = 0; i < a.length; i++) acc[target[i]] = Math.min(acc[target[i]], a[i]);
  return finish(x, acc, keptShape);
}

/**
 * The sums that training does all the time need no index map: over leading axes (a bias gradient sums
 * [N,H,W,C] down to [C]) each output is a stride through memory; over trailing axes, a contiguous run.
 * Returns false when the axes are not such a block.
 */
function sumContiguous(x: NDArray, axes: readonly number[], acc: Float64Array): boolean {
  const rank = x.shape.length;
  const leading = axes.every((axis, i) => axis === i);
  const trailing = axes.every((axis, i) => axis === rank - axes.length + i);
  if (!leading && !trailing) return false;
  const a = x.data;
  const outer = acc.length;
  if (leading) {
    for (let o = 0; o < a.length; o += outer) for (let j = 0; j < outer; j++) acc[j] += a[o + j];
  } else {
    const inner = outer > 0 ? a.length / outer : 0;
    for (let o = 0; o < outer; o++) {
      let s = 0;
      for (let j = o * inner; j < (o + 1) * inner; j++) s += a[j];
      acc[o] = s;
    }
  }
  return true;
}

function finish(x: NDArray, acc: Float64Array, keptShape: number[]): NDArray {
  const out = allocate(x.dtype, acc.length);
  out.set(acc);
  return ndarray(out, keptShape);
}

/** Index of the largest (or smallest) element along one axis; the first one wins a tie. The axis is removed. */
export function argReduce(x: NDArray, axis: number, kind: 'max' | 'min', op: string): NDArray {
  const length = x.shape[axis];
  if (length === 0) throw new ValueError(`${op}: cannot take the arg${kind} of an empty axis`);
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const out = allocate(x.dtype, outer * inner);
  const better = kind === 'max' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * length * inner + i;
      let best = x.data[base];
      let bestIndex = 0;
      for (let k = 1; k < length; k++) {
        const v = x.data[base + k * inner];
        if (better(v, best)) [best, bestIndex] = [v, k];
      }
      out[o * inner + i] = bestIndex;
    }
  }
  return ndarray(
    out,
    x.shape.filter((_, a) => a !== axis),
  );
}
