import { allocate } from '../arena';
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

/** A triplet counts as positive when its loss exceeds this (the original's threshold). */
export const POSITIVE = 1e-16;

/** Batch-all's sums over the valid triplets (a, p, n distinct; label(a) = label(p) ≠ label(n)) of D. */
export interface BatchAllSums {
  /** [Σ ℓ(D[a,p] − D[a,n]), the number of triplets with ℓ > 1e-16, the number of valid triplets]. */
  readonly summary: NDArray;
  /** [B,B]: Σ of the triplets' slopes into each entry, +ℓ' into D[a,p] and −ℓ' into D[a,n]; null if not asked. */
  readonly slopes: NDArray | null;
}

/** Batch-all's sums, anchor by anchor, pair by pair: the slopes summed in float64, then in D's dtype. */
export function batchAllReference(
  d: NDArray,
  labels: Int32Array,
  options: TermOptions,
  withSlopes: boolean,
): BatchAllSums {
  const b = labels.length;
  const term = tripletTerm(options);
  const values = d.data;
  const slopes = withSlopes ? (allocate('float64', b * b) as Float64Array) : null;
  let [sum, numPositive, numValid] = [0, 0, 0];
  forEachPositivePair(labels, (a, p, negatives) => {
    const row = a * b;
    const dap = values[row + p];
    // locals in the innermost loop (not the captured totals): this loop runs B³/classes times
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
    sum += pairSum;
    numPositive += pairPositive;
    numValid += negatives.length;
  });
  const summary = allocate(d.dtype, 3);
  summary.set([sum, numPositive, numValid]);
  return { summary: ndarray(summary, [3]), slopes: slopes && inDType(slopes, d) };
}

/** Float64 sums as an array of D's dtype and shape. */
export function inDType(sums: Float64Array, d: NDArray): NDArray {
  const out = allocate(d.dtype, sums.length);
  out.set(sums);
  return ndarray(out, d.shape);
}
