import { ShapeError } from '../../autograd';

function entropy(counts: Iterable<number>, n: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/**
 * Normalised mutual information of two labellings: I(A;B) / ((H(A) + H(B)) / 2), in [0, 1] — scikit-learn's
 * `normalized_mutual_info_score` with its default arithmetic mean. Two single-cluster labellings score 1.
 */
export function normalizedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new ShapeError(`normalizedMutualInformation: ${a.length} labels against ${b.length}`);
  const n = a.length;
  const countA = new Map<number, number>();
  const countB = new Map<number, number>();
  const joint = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    countA.set(a[i], (countA.get(a[i]) ?? 0) + 1);
    countB.set(b[i], (countB.get(b[i]) ?? 0) + 1);
    const key = `${a[i]},${b[i]}`;
    joint.set(key, (joint.get(key) ?? 0) + 1);
  }
  const ha = entropy(countA.values(), n);
  const hb = entropy(countB.values(), n);
  if (ha === 0 && hb === 0) return 1;
  let mutual = 0;
  for (const [key, nij] of joint) {
    const [ai, bj] = key.split(',').map(Number);
    mutual += (nij / n) * Math.log((n * nij) / (countA.get(ai)! * countB.get(bj)!));
  }
  return Math.max(0, mutual / ((ha + hb) / 2));
}
