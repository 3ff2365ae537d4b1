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

/** Batch-all's sums over the valid triplets (a, p, n distinct; label(a) = label(p) ≠ label(n)) of D. */
export interface BatchAllSums {
  /** [Σ ℓ(D[a,p] − D[a,n]), the number of triplets with ℓ > 1e-16, the number of valid triplets]. */
  readonly summary: NDArray;
  /** [B,B]: Σ of the triplets' slopes into each entry, +ℓ' into D[a,p] and −ℓ' into D[a,n]; null if not asked. */
  readonly slopes: NDArray | null;
}

/** What a fused loss's loop over the pairs works with: D's values, the term, the slope sums, its totals. */
interface FusedLoop {
  readonly b: number;
  readonly values: ArrayLike<number>;
  readonly term: TripletTerm;
  /** +ℓ' into D[a,p], −ℓ' into D[a,n], summed in float64; null when no gradient is asked for. */
  readonly slopes: Float64Array | null;
  /** The summary's entries, added to pair by pair. */
  readonly totals: number[];
}

/** Visits every anchor–positive pair of D in order, then returns the totals as the summary and the slopes in D's dtype. */
function fusedLoop(
  d: NDArray,
  labels: Int32Array,
  options: TermOptions,
  withSlopes: boolean,
  totals: number,
  visit: (loop: FusedLoop, a: number, p: number, negatives: readonly number[]) => void,
): { summary: NDArray; slopes: NDArray | null } {
  const b = labels.length;
  const slopes = withSlopes ? (allocate('float64', b * b) as Float64Array) : null;
  const loop = { b, values: d.data, term: tripletTerm(options), slopes, totals: new Array<number>(totals).fill(0) };
  forEachPositivePair(labels, (a, p, negatives) => visit(loop, a, p, negatives));
  const summary = allocate(d.dtype, totals);
  summary.set(loop.totals);
  return { summary: ndarray(summary, [totals]), slopes: slopes && inDType(slopes, d) };
}

/** Batch-all's sums, anchor by anchor, pair by pair: [Σ ℓ, #positive, #valid]. */
export function batchAllReference(
  d: NDArray,
  labels: Int32Array,
  options: TermOptions,
  withSlopes: boolean,
): BatchAllSums {
  return fusedLoop(d, labels, options, withSlopes, 3, ({ b, values, term, slopes, totals }, a, p, negatives) => {
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

/** Semi-hard's sums over the anchor–positive pairs of D, each with its semi-hard negative n*. */
export interface SemiHardSums {
  /** [Σ ℓ(D[a,p] − D[a,n*]) over the pairs with a negative, the number of pairs (a ≠ p, same label)]. */
  readonly summary: NDArray;
  /** [B,B]: +ℓ' into D[a,p], −ℓ' into D[a,n*]; null if not asked. */
  readonly slopes: NDArray | null;
}

/** Semi-hard's sums, pair by pair: [Σ ℓ, #pairs]; a pair whose anchor has no negative adds to the count alone. */
export function semiHardReference(
  d: NDArray,
  labels: Int32Array,
  options: TermOptions,
  withSlopes: boolean,
): SemiHardSums {
  return fusedLoop(d, labels, options, withSlopes, 2, ({ b, values, term, slopes, totals }, a, p, negatives) => {
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

/** Float64 sums as an array of D's dtype and shape. */
export function inDType(sums: Float64Array, d: NDArray): NDArray {
  const out = allocate(d.dtype, sums.length);
  out.set(sums);
  return ndarray(out, d.shape);
}
