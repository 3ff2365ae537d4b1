import { allocate } from '../arena';
import { DType } from '../dtype';
import { NDArray, ndarray } from '../ndarray';

/**
 * The fused triplet losses' loops over a distance matrix D [B,B] (lib/triplet builds the losses on them): the
 * enumeration of anchor–positive pairs, the loss of one triplet, and batch-all's sums in O(B²) memory.
 */

/** The loss of one triplet: a hinge with this margin, or (softMargin) a softplus. */
export interface TermOptions {
  readonly margin: number;
  readonly softMargin: boolean;
}

/** The loss of one triplet as a function of t = d(a,p) − d(a,n), and its slope dℓ/dt. */
export interface TripletTerm {
  value(t: number): number;
  slope(t: number): number;
}

/**
 * Hinge relu(t + margin), whose slope counts from t + margin ≥ 0 (TensorFlow's maximum(x, 0) sends a tie to x),
 * or softplus(t), whose slope is σ(t) (Hermans et al. 2017).
 */
export function tripletTerm({ margin, softMargin }: TermOptions): TripletTerm {
  if (softMargin) {
    return {
      value: (t) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t))),
      slope: (t) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t))),
    };
  }
  return {
    value: (t) => Math.max(t + margin, 0),
    slope: (t) => (t + margin >= 0 ? 1 : 0),
  };
}

/** For each label value, the rows that carry it. */
function groupsOf(labels: Int32Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  return groups;
}

/**
 * Calls visit(a, p, negatives) for every anchor–positive pair (a ≠ p, same label), in anchor order, with the rows
 * whose label differs from the anchor's: the enumeration every mining strategy starts from.
 */
export function forEachPositivePair(
  labels: Int32Array,
  visit: (a: number, p: number, negatives: readonly number[]) => void,
): void {
  const groups = groupsOf(labels);
  const negativesOf = new Map<number, number[]>();
  for (const label of groups.keys()) {
    const negatives: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] !== label) negatives.push(i);
    negativesOf.set(label, negatives);
  }
  for (let a = 0; a < labels.length; a++) {
    const negatives = negativesOf.get(labels[a])!;
    for (const p of groups.get(labels[a])!) if (p !== a) visit(a, p, negatives);
  }
}

/** The valid pairs of a batch, as 0/1 matrices [B,B] in a dtype (they multiply distances directly). */
export interface LabelMasks {
  /** 1 where a ≠ p and label(a) = label(p): the anchor–positive pairs. */
  readonly positive: NDArray;
  /** 1 where label(a) ≠ label(n): the anchor–negative pairs. */
  readonly negative: NDArray;
}

/** Both masks of the labels, as arrays of `dtype`. */
export function labelMasksReference(labels: Int32Array, dtype: DType): LabelMasks {
  const b = labels.length;
  const [positive, negative] = [allocate(dtype, b * b), allocate(dtype, b * b)];
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      if (i !== j && labels[i] === labels[j]) positive[i * b + j] = 1;
      if (labels[i] !== labels[j]) negative[i * b + j] = 1;
    }
  }
  return { positive: ndarray(positive, [b, b]), negative: ndarray(negative, [b, b]) };
}

/** A triplet counts as positive when its loss exceeds this (the original's threshold). */
export const POSITIVE = 1e-16;

/**
 * A fused loss over D [B,B], from one pass: its value, the counts behind it, and ∂loss/∂D. The loss is a mean:
 * the sum of the triplets' ℓ times scale = 1 / max(count + epsilon, floor), count the summary's second entry.
 */
export interface FusedLossSums {
  /** [the loss, then the counts: batch-all's #positive and #valid triplets; semi-hard's #pairs]. */
  readonly summary: NDArray;
  /** ∂loss/∂D: each entry's slopes (+ℓ' into D[a,p], −ℓ' into D[a,n]) times the scale; null if not asked. */
  readonly grad: NDArray | null;
}

/** How a loss's sum becomes its mean: divided by max(count + epsilon, floor). */
export interface MeanRule {
  readonly epsilon: number;
  readonly floor: number;
}

/** Batch-all: Σ / (#positive + 1e-16), as the original. */
export const BATCH_ALL_MEAN: MeanRule = { epsilon: POSITIVE, floor: 0 };
/** Semi-hard: Σ / #pairs, and 0 (not TensorFlow's NaN) when there are none. */
export const SEMI_HARD_MEAN: MeanRule = { epsilon: 0, floor: 1 };

/** The scale that makes a sum over `count` a mean. */
export function meanScale(count: number, { epsilon, floor }: MeanRule): number {
  return 1 / Math.max(count + epsilon, floor);
}

/** What a fused loss's loop over the pairs works with: D's values, the term, the slope sums, its totals. */
interface FusedLoop {
  readonly b: number;
  readonly values: ArrayLike<number>;
  readonly term: TripletTerm;
  /** +ℓ' into D[a,p], −ℓ' into D[a,n], summed in float64; null when no gradient is asked for. */
  readonly slopes: Float64Array | null;
  /** [Σ ℓ, the counts], added to pair by pair. */
  readonly totals: number[];
}

/**
 * Visits every anchor–positive pair of D in order; then the loss is the mean of the sum by `rule` and ∂loss/∂D
 * the slopes times the same scale, both in float64 and rounded once to D's dtype.
 */
function fusedLoop(
  d: NDArray,
  labels: Int32Array,
  options: TermOptions & { withGrad: boolean; totals: number; rule: MeanRule },
  visit: (loop: FusedLoop, a: number, p: number, negatives: readonly number[]) => void,
): FusedLossSums {
  const b = labels.length;
  const slopes = options.withGrad ? (allocate('float64', b * b) as Float64Array) : null;
  const totals = new Array<number>(options.totals).fill(0);
  const loop = { b, values: d.data, term: tripletTerm(options), slopes, totals };
  forEachPositivePair(labels, (a, p, negatives) => visit(loop, a, p, negatives));
  const scale = meanScale(totals[1], options.rule);
  const summary = allocate(d.dtype, totals.length);
  summary.set([totals[0] * scale, ...totals.slice(1)]);
  return { summary: ndarray(summary, [totals.length]), grad: slopes && scaled(slopes, scale, d) };
}

/** Batch-all, anchor by anchor, pair by pair: [the loss, #positive, #valid], and its gradient. */
export function batchAllReference(d: NDArray, labels: Int32Array, term: TermOptions, withGrad: boolean): FusedLossSums {
  const options = { ...term, withGrad, totals: 3, rule: BATCH_ALL_MEAN };
  return fusedLoop(d, labels, options, ({ b, values, term, slopes, totals }, a, p, negatives) => {
    const row = a * b;
    const dap = values[row + p];
    // locals in the innermost loop (not the totals): this loop runs B³/classes times
    let [pairSum, pairPositive, slopeAP] = [0, 0, 0];
    for (let k = 0; k < negatives.length; k++) {
      const n = negatives[k];
      const t = dap - values[row + n];
      const value = term.value(t);
      pairSum += value;
      if (value > POSITIVE) pairPositive++;
      if (slopes !== null) {
        const slope = term.slope(t);
        slopeAP += slope;
        slopes[row + n] -= slope;
      }
    }
    if (slopes !== null) slopes[row + p] += slopeAP;
    totals[0] += pairSum;
    totals[1] += pairPositive;
    totals[2] += negatives.length;
  });
}

/**
 * For a pair (a, p), FaceNet's semi-hard negative as TensorFlow's `triplet_semihard_loss` picks it: the closest n
 * with D[a,n] > D[a,p] (strictly); if no negative is farther than the positive, the farthest negative (the first
 * in row order on a tie). The margin plays no part in the choice. Returns −1 when the anchor has no negative.
 */
function semiHardNegative(d: ArrayLike<number>, row: number, dap: number, negatives: readonly number[]): number {
  let outside = -1;
  let farthest = -1;
  for (let k = 0; k < negatives.length; k++) {
    const n = negatives[k];
    const dan = d[row + n];
    if (dan > dap && (outside < 0 || dan < d[row + outside])) outside = n;
    if (farthest < 0 || dan > d[row + farthest]) farthest = n;
  }
  return outside >= 0 ? outside : farthest;
}

/**
 * Semi-hard, pair by pair, each with its semi-hard negative n*: [the loss, #pairs], and its gradient; a pair whose
 * anchor has no negative counts, and adds nothing to the sum.
 */
export function semiHardReference(d: NDArray, labels: Int32Array, term: TermOptions, withGrad: boolean): FusedLossSums {
  const options = { ...term, withGrad, totals: 2, rule: SEMI_HARD_MEAN };
  return fusedLoop(d, labels, options, ({ b, values, term, slopes, totals }, a, p, negatives) => {
    totals[1]++;
    const row = a * b;
    const dap = values[row + p];
    const n = semiHardNegative(values, row, dap, negatives);
    if (n < 0) return;
    const t = dap - values[row + n];
    totals[0] += term.value(t);
    if (slopes !== null) {
      slopes[row + p] += term.slope(t);
      slopes[row + n] -= term.slope(t);
    }
  });
}

/** Float64 sums times a scale, rounded once into an array of D's dtype and shape. */
function scaled(sums: Float64Array, scale: number, d: NDArray): NDArray {
  const out = allocate(d.dtype, sums.length);
  for (let i = 0; i < sums.length; i++) out[i] = sums[i] * scale;
  return ndarray(out, d.shape);
}
