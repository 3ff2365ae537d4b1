/**
 * Independent references for the specs: the slowest, most literal loops over multi-indices, written apart from
 * lib/ so that a bug there cannot hide here.
 */
import { expect } from 'chai';

export type Index = number[];

/** Every multi-index of `shape`, in row-major order. */
export function* indices(shape: readonly number[]): Generator<Index> {
  const size = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < size; flat++) {
    const idx: number[] = [];
    let rest = flat;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      idx.unshift(rest % shape[axis]);
      rest = Math.floor(rest / shape[axis]);
    }
    yield idx;
  }
}

export function flatIndex(idx: Index, shape: readonly number[]): number {
  return idx.reduce((acc, i, axis) => acc * shape[axis] + i, 0);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Deterministic pseudo-random values for spec inputs, independent of the library's Rng. */
export function lcgValues(n: number, seed: number, low = -1, high = 1): number[] {
  let state = seed >>> 0 || 1;
  return range(n).map(() => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + ((high - low) * state) / 2 ** 32;
  });
}

/** NumPy broadcasting, spelled out: each output index reads index 0 on an input's size-1 axes. */
export function naiveBroadcast(
  a: ArrayLike<number>,
  aShape: number[],
  b: ArrayLike<number>,
  bShape: number[],
  f: (x: number, y: number) => number,
): { values: number[]; shape: number[] } {
  const rank = Math.max(aShape.length, bShape.length);
  const pa = [...Array(rank - aShape.length).fill(1), ...aShape];
  const pb = [...Array(rank - bShape.length).fill(1), ...bShape];
  const shape = range(rank).map((i) => Math.max(pa[i], pb[i]));
  const values: number[] = [];
  for (const idx of indices(shape)) {
    const ia = idx.map((v, axis) => (pa[axis] === 1 ? 0 : v));
    const ib = idx.map((v, axis) => (pb[axis] === 1 ? 0 : v));
    values.push(f(a[flatIndex(ia, pa)], b[flatIndex(ib, pb)]));
  }
  return { values, shape };
}

/** Reduction over `axes` by visiting every input index and folding it into its output cell. */
export function naiveReduce(
  x: ArrayLike<number>,
  shape: number[],
  axes: number[],
  fold: (acc: number, v: number) => number,
  init: number,
): number[] {
  const outShape = shape.map((d, axis) => (axes.includes(axis) ? 1 : d));
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(init);
  for (const idx of indices(shape)) {
    const o = flatIndex(
      idx.map((v, axis) => (axes.includes(axis) ? 0 : v)),
      outShape,
    );
    out[o] = fold(out[o], x[flatIndex(idx, shape)]);
  }
  return out;
}

export function naiveTranspose2d(x: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) out.push(x[i * cols + j]);
  return out;
}

/** Plain C = A·B on row-major [m,k]·[k,n]. */
export function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out.push(s);
    }
  }
  return out;
}

/**
 * Pads an NHWC image explicitly (TensorFlow's rule for 'same': ⌈in/s⌉ outputs, the odd padding cell at the
 * bottom/right), so the window loops below never need a bounds test.
 */
export function padNHWC(
  x: ArrayLike<number>,
  [n, h, w, c]: number[],
  k: [number, number],
  s: [number, number],
  padding: 'same' | 'valid',
  fill: number,
): { data: number[]; shape: number[]; outH: number; outW: number } {
  const plan = (size: number, kk: number, ss: number): [number, number, number] => {
    if (padding === 'valid') return [0, 0, Math.floor((size - kk) / ss) + 1];
    const out = Math.ceil(size / ss);
    const total = Math.max((out - 1) * ss + kk - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2), out];
  };
  const [top, bottom, outH] = plan(h, k[0], s[0]);
  const [left, right, outW] = plan(w, k[1], s[1]);
  const shape = [n, h + top + bottom, w + left + right, c];
  const data = new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(fill);
  for (const [b, i, j, ch] of indices([n, h, w, c])) {
    data[flatIndex([b, i + top, j + left, ch], shape)] = x[flatIndex([b, i, j, ch], [n, h, w, c])];
  }
  return { data, shape, outH, outW };
}

export function naiveConv2d(
  x: ArrayLike<number>,
  xShape: number[],
  w: ArrayLike<number>,
  wShape: number[],
  s: [number, number],
  padding: 'same' | 'valid',
): number[] {
  const [kh, kw, inC, outC] = wShape;
  const p = padNHWC(x, xShape, [kh, kw], s, padding, 0);
  const out: number[] = [];
  for (const [b, i, j, f] of indices([xShape[0], p.outH, p.outW, outC])) {
    let sum = 0;
    for (const [a, bb, c] of indices([kh, kw, inC])) {
      sum += p.data[flatIndex([b, i * s[0] + a, j * s[1] + bb, c], p.shape)] * w[flatIndex([a, bb, c, f], wShape)];
    }
    out.push(sum);
  }
  return out;
}

export function naiveMaxPool(
  x: ArrayLike<number>,
  xShape: number[],
  k: [number, number],
  s: [number, number],
  padding: 'same' | 'valid',
): number[] {
  const p = padNHWC(x, xShape, k, s, padding, -Infinity);
  const out: number[] = [];
  for (const [b, i, j, c] of indices([xShape[0], p.outH, p.outW, xShape[3]])) {
    let best = -Infinity;
    for (const [a, bb] of indices(k))
      best = Math.max(best, p.data[flatIndex([b, i * s[0] + a, j * s[1] + bb, c], p.shape)]);
    out.push(best);
  }
  return out;
}

/** Asserts two lists agree within |a − e| ≤ tol·(1 + |e|), naming the first index that does not. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-9, what = 'value'): void {
  expect(actual.length, `${what}: length`).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok =
      Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])) ||
      (Number.isNaN(actual[i]) && Number.isNaN(expected[i]));
    if (!ok) expect.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tol ${tol})`);
  }
}
