/** The array ops' part of the backend suite: every pointwise formula, reductions and walks, against the reference. */
import { expect } from 'chai';
import { Backend, DType, NDArray, Rng } from '../../lib';
import { pointwiseFormulas } from '../../lib/autograd/ops/pointwise';
import { referenceBackend } from '../../lib/tensor/backends';
import { hostValues } from '../../lib/tensor/device-copies';
import { broadcastWalk, diagonalWalk, sliceWalk, transposeWalk, Walk } from '../../lib/tensor/kernels/layout';
import { Reduction } from '../../lib/tensor/kernels/reduce';
import { ndarray } from '../../lib/tensor/ndarray';

/** Every broadcasting pattern: same shape, trailing, both sides, scalars either side, rank 4, rank 5 (the host's). */
const ZIP_SHAPES: Array<[number[], number[]]> = [
  [
    [3, 5, 7],
    [3, 5, 7],
  ],
  [[3, 5, 7], [7]],
  [
    [3, 1, 7],
    [5, 1],
  ],
  [[4, 6], []],
  [[], [4, 6]],
  [[1], [3, 4]],
  [
    [2, 1, 3, 1],
    [1, 4, 1, 5],
  ],
  [
    [2, 1, 3, 1, 2],
    [5, 3, 4, 1],
  ],
];
const REDUCTIONS: Array<[number[], number[]]> = [
  [[3, 5, 7], [0]],
  [[3, 5, 7], [1]],
  [[3, 5, 7], [2]],
  [
    [3, 5, 7],
    [0, 2],
  ],
  [
    [3, 5, 7],
    [0, 1, 2],
  ],
  [[64, 64], [0]],
  [[6], [0]],
  [
    [2, 3, 4, 5],
    [1, 3],
  ],
  [[2, 2, 3, 2, 2], [1]],
];
const WALKS: Array<[number[], Walk]> = [
  [[3, 5, 7], transposeWalk([3, 5, 7], [2, 0, 1])],
  [[2, 3, 4, 5], transposeWalk([2, 3, 4, 5], [3, 1, 0, 2])],
  [[6, 7], sliceWalk([6, 7], [1, 2], [4, 3])],
  [[3, 1], broadcastWalk([3, 1], [2, 3, 4], 'spec')],
  [[5, 7], diagonalWalk([5, 7])],
  [[7, 5], diagonalWalk([7, 5])],
  [[64, 64], diagonalWalk([64, 64])],
];

/** max |a − e| / max(1, max |e|), and the same shape. */
function relativeError(actual: NDArray, expected: NDArray): number {
  expect(actual.shape).to.deep.equal(expected.shape);
  let [scale, worst] = [1, 0];
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    worst = Math.max(worst, Math.abs(actual.data[i] - expected.data[i]));
  }
  return worst / scale;
}

/** Each entry against its own scale: |a − e| / max(1e-6, |e|) at worst (a loss and its counts differ by 10⁴). */
function entryError(actual: NDArray, expected: NDArray): number {
  expect(actual.shape).to.deep.equal(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i];
    worst = Math.max(worst, Math.abs(actual.data[i] - e) / Math.max(1e-6, Math.abs(e)));
  }
  return worst;
}

/** max |a − e| / max |e| (1e-6 at least): a gradient divided by thousands of triplets is small everywhere. */
function scaledError(actual: NDArray, expected: NDArray): number {
  expect(actual.shape).to.deep.equal(expected.shape);
  let [scale, worst] = [1e-6, 0];
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    worst = Math.max(worst, Math.abs(actual.data[i] - expected.data[i]));
  }
  return worst / scale;
}

/**
 * Inputs for every formula's domain and its ties: values from {0.5, 1, 1.5, …, 2.5} (positive, for log, sqrt and
 * pow; equal pairs, for the comparisons and max's tie rule).
 */
function values(shape: number[], rng: Rng, dtype: DType): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = 0.5 + rng.int(5) / 2;
  return ndarray(data, shape);
}

/**
 * Checks `backend()`'s map, zip, reduce, strided and diagMatrix against the reference loops, with the inputs on
 * the backend's device where it has one (`place`), and for zip with one operand there and the other on the host.
 */
export function checkArrayOps(backend: () => Backend, dtype: DType, tol: number): void {
  const on = (x: NDArray): NDArray => backend().place?.(x) ?? x;
  /** Back to host only (a device copy dropped), for a check that needs the other operand alone there. */
  const home = (x: NDArray): NDArray => (hostValues(x.data), x);

  it(`every pointwise formula, on one operand and two in every broadcasting pattern (${dtype})`, () => {
    const rng = new Rng(6);
    for (const { op, formula, operands } of pointwiseFormulas()) {
      if (operands === 'one') {
        const x = values([3, 5, 7], rng, dtype);
        const expected = referenceBackend.map(x, formula, 0.75, 1.25);
        expect(relativeError(backend().map(on(x), formula, 0.75, 1.25), expected), op).to.be.below(tol);
        continue;
      }
      for (const [sa, sb] of ZIP_SHAPES) {
        const [x, y] = [values(sa, rng, dtype), values(sb, rng, dtype)];
        const expected = referenceBackend.zip(x, y, formula, op);
        const what = `${op} [${sa}] with [${sb}]`;
        expect(relativeError(backend().zip(on(x), y, formula, op), expected), `${what}, the first placed`).to.be.below(
          tol,
        );
        expect(relativeError(backend().zip(home(x), on(y), formula, op), expected), `${what}, the second`).to.be.below(
          tol,
        );
      }
    }
  });

  it(`sums, maxima and minima over every kind of axes; transposes, slices, broadcasts, diagonals (${dtype})`, () => {
    const rng = new Rng(7);
    for (const kind of ['sum', 'max', 'min'] as Reduction[]) {
      for (const [shape, axes] of REDUCTIONS) {
        const x = values(shape, rng, dtype);
        const expected = referenceBackend.reduce(x, axes, kind, 'spec');
        const actual = backend().reduce(on(x), axes, kind, 'spec');
        expect(relativeError(actual, expected), `${kind} of [${shape}] over [${axes}]`).to.be.below(tol);
      }
    }
    for (const [shape, walk] of WALKS) {
      const x = values(shape, rng, dtype);
      const expected = referenceBackend.strided(x, walk);
      expect(relativeError(backend().strided(on(x), walk), expected), `walk of [${shape}]`).to.be.below(tol);
    }
    for (const [length, rows, cols] of [
      [5, 5, 7],
      [5, 7, 5],
      [64, 64, 64],
    ]) {
      const v = values([length], rng, dtype);
      const expected = referenceBackend.diagMatrix(v, rows, cols);
      expect(relativeError(backend().diagMatrix(on(v), rows, cols), expected), `${rows}×${cols}`).to.be.below(tol);
    }
  });

  it(`batch-all's and semi-hard's losses, counts and gradients, and the label masks: one class, no positives, odd batches, soft margin (${dtype})`, () => {
    const rng = new Rng(8);
    const labelSets = [
      [0],
      [0, 0, 0, 0],
      [0, 1, 2, 3, 4],
      [0, 1, 0, 2, 1, 0, 2],
      Array.from({ length: 64 }, (_, i) => i % 10),
    ];
    for (const labelList of labelSets) {
      for (const term of [
        { margin: 0.3, softMargin: false },
        { margin: 0, softMargin: true },
      ]) {
        const labels = Int32Array.from(labelList);
        const d = values([labels.length, labels.length], rng, dtype);
        const expected = referenceBackend.tripletBatchAll(d, labels, term, true);
        const actual = backend().tripletBatchAll(on(d), labels, term, true);
        const what = `labels [${labelList.length <= 7 ? labelList : '64 of 10 classes'}], ${term.softMargin ? 'soft' : 'hinge'}`;
        expect(entryError(actual.summary, expected.summary), `${what}: loss and counts`).to.be.below(tol);
        expect(scaledError(actual.grad!, expected.grad!), `${what}: gradient`).to.be.below(tol);
        expect(backend().tripletBatchAll(d, labels, term, false).grad, 'no gradient unless asked').to.equal(null);
        // semi-hard on the same D: its values tie often, so the choice's tie rule (the first in row order) counts
        const semiHard = referenceBackend.tripletSemiHard(d, labels, term, true);
        const ours = backend().tripletSemiHard(on(d), labels, term, true);
        expect(entryError(ours.summary, semiHard.summary), `${what}: semi-hard loss and pairs`).to.be.below(tol);
        expect(scaledError(ours.grad!, semiHard.grad!), `${what}: semi-hard gradient`).to.be.below(tol);
      }
      const labels = Int32Array.from(labelList);
      const like = values([labels.length, labels.length], rng, dtype);
      const expected = referenceBackend.labelMasks(labels, like);
      const actual = backend().labelMasks(labels, on(like));
      expect(relativeError(actual.positive, expected.positive), `positive mask of [${labelList}]`).to.equal(0);
      expect(relativeError(actual.negative, expected.negative), `negative mask of [${labelList}]`).to.equal(0);
      expect(actual.positive.dtype).to.equal(dtype);
    }
  });
}
