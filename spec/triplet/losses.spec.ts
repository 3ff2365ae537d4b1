import { expect } from 'chai';
import {
  add,
  anchorNegativeMask,
  anchorPositiveMask,
  batchAllTripletLoss,
  batchHardTripletLoss,
  batchSemiHardTripletLoss,
  div,
  expandDims,
  gradcheckCase,
  gt,
  listOps,
  maximum,
  mul,
  pairwiseDistances,
  randn,
  Rng,
  ShapeError,
  sub,
  sum,
  Tensor,
  tensor,
  tripletMask,
  ValueError,
} from '../../lib';
import { largestTypedArray } from '../support/allocations';
import { expectClose, lcgValues } from '../support/reference';
import { naiveBatchAll, naiveBatchHard, naiveDistances, naiveSemiHard } from './reference';

const B = 12;
const D = 5;
const LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 3, 3, 0, 2];
const embeddings = (seed: number, dtype: 'float32' | 'float64' = 'float64', requiresGrad = false): Tensor =>
  tensor(lcgValues(B * D, seed), [B, D], { dtype, requiresGrad });

describe('triplet: pairwise distances', () => {
  for (const squared of [false, true]) {
    it(`match a naive loop (squared: ${squared}), with an exactly zero diagonal`, () => {
      const e = embeddings(1);
      const d = pairwiseDistances(e, { squared });
      expectClose(d.data, naiveDistances(e.data, B, D, squared).flat(), 1e-12);
      for (let i = 0; i < B; i++) expect(d.data[i * B + i]).to.equal(0);
    });
  }

  it('are never negative for nearly identical embeddings (1 + 2e-7·noise, float32) — the clamp is needed there', () => {
    const noise = randn([B, D], new Rng(4));
    const e = add(mul(noise, 2e-7), 1);
    // Sanity: without the clamp, the Gram formula does go negative on this input.
    const dot = e.matmul(e, false, true);
    const norms = expandDims(sum(mul(e, e), 1), 0);
    const unclamped = add(sub(norms, mul(dot, 2)), norms.transpose());
    expect(Math.min(...unclamped.data)).to.be.below(0);
    for (const squared of [false, true]) expect(Math.min(...pairwiseDistances(e, { squared }).data)).to.be.at.least(0);
  });

  it('have a finite gradient (no NaN) when two embeddings are equal', () => {
    const values = lcgValues(B * D, 2);
    for (let k = 0; k < D; k++) values[3 * D + k] = values[0 * D + k]; // rows 0 and 3 identical
    const e = tensor(values, [B, D], { dtype: 'float64', requiresGrad: true });
    sum(pairwiseDistances(e)).backward();
    expect(e.grad!.data.every(Number.isFinite)).to.equal(true);
    for (const loss of [batchAllTripletLoss(LABELS, e, 0.5).loss, batchHardTripletLoss(LABELS, e, 0.5).loss]) {
      e.zeroGrad();
      loss.backward();
      expect(e.grad!.data.every(Number.isFinite)).to.equal(true);
    }
  });
});

describe('triplet: masks against triple loops', () => {
  const labels = [0, 1, 0, 2, 1, 0];
  const n = labels.length;
  it('anchor–positive: a ≠ p and same label', () => {
    const mask = anchorPositiveMask(labels).toArray() as number[][];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) expect(mask[i][j]).to.equal(i !== j && labels[i] === labels[j] ? 1 : 0);
  });
  it('anchor–negative: different label', () => {
    const mask = anchorNegativeMask(labels).toArray() as number[][];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) expect(mask[i][j]).to.equal(labels[i] !== labels[j] ? 1 : 0);
  });
  it('triplet: distinct, label(a) = label(p) ≠ label(n)', () => {
    const mask = tripletMask(labels).toArray() as number[][][];
    for (let a = 0; a < n; a++) {
      for (let p = 0; p < n; p++) {
        for (let q = 0; q < n; q++) {
          const valid = a !== p && a !== q && p !== q && labels[a] === labels[p] && labels[a] !== labels[q];
          expect(mask[a][p][q]).to.equal(valid ? 1 : 0);
        }
      }
    }
  });
  it('follow the dtype asked for', () => {
    expect(anchorPositiveMask([0, 1], { dtype: 'float64' }).dtype).to.equal('float64');
  });
});

describe('triplet: losses against brute-force loops', () => {
  for (const squared of [false, true]) {
    for (const margin of [0.5, 2]) {
      it(`batch-all (squared: ${squared}, margin ${margin}): loss and fraction of positive triplets`, () => {
        const e = embeddings(5);
        const expected = naiveBatchAll(naiveDistances(e.data, B, D, squared), LABELS, margin);
        const result = batchAllTripletLoss(LABELS, e, margin, { squared });
        expect(result.loss.item()).to.be.closeTo(expected.loss, 1e-12);
        expect(result.fractionPositive).to.be.closeTo(expected.fraction, 1e-12);
        expect(result.fractionPositive).to.be.within(0, 1);
      });

      it(`batch-hard (squared: ${squared}, margin ${margin}): loss and the logged hardest distances`, () => {
        const e = embeddings(6);
        const expected = naiveBatchHard(naiveDistances(e.data, B, D, squared), LABELS, margin);
        const result = batchHardTripletLoss(LABELS, e, margin, { squared });
        expect(result.loss.item()).to.be.closeTo(expected.loss, 1e-12);
        expect(result.hardestPositiveDist).to.be.closeTo(expected.hp, 1e-12);
        expect(result.hardestNegativeDist).to.be.closeTo(expected.hn, 1e-12);
      });

      it(`batch-semi-hard (squared: ${squared}, margin ${margin})`, () => {
        const e = embeddings(7);
        const expected = naiveSemiHard(naiveDistances(e.data, B, D, squared), LABELS, margin);
        expect(batchSemiHardTripletLoss(LABELS, e, margin, { squared }).loss.item()).to.be.closeTo(expected, 1e-12);
      });
    }
  }

  it('a one-class batch gives batch-all loss 0 and fraction 0 (no valid triplet)', () => {
    const result = batchAllTripletLoss(new Array(B).fill(3), embeddings(8), 0.5);
    expect(result.loss.item()).to.equal(0);
    expect(result.fractionPositive).to.equal(0);
    expect(result.numValid).to.equal(0);
  });

  it('semi-hard with no positive pair gives 0, not NaN', () => {
    const result = batchSemiHardTripletLoss([0, 1, 2, 3], randn([4, 3], new Rng(1)), 0.5);
    expect(result.loss.item()).to.equal(0);
    expect(result.numPairs).to.equal(0);
  });

  it('soft margin: batch-all is the mean softplus(d(a,p) − d(a,n)), batch-hard the mean softplus(hp − hn)', () => {
    const e = embeddings(9);
    const d = naiveDistances(e.data, B, D, false);
    const softplus = (x: number): number => Math.log1p(Math.exp(x));
    let total = 0;
    let count = 0;
    for (let a = 0; a < B; a++) {
      for (let p = 0; p < B; p++) {
        for (let n = 0; n < B; n++) {
          if (a === p || LABELS[a] !== LABELS[p] || LABELS[a] === LABELS[n]) continue;
          total += softplus(d[a][p] - d[a][n]);
          count++;
        }
      }
    }
    expect(batchAllTripletLoss(LABELS, e, 0.5, { softMargin: true }).loss.item()).to.be.closeTo(total / count, 1e-12);
    const hard = naiveBatchHard(d, LABELS, 0);
    const perAnchor = LABELS.map((_, a) => {
      const positives = d[a].filter((_, j) => j !== a && LABELS[j] === LABELS[a]);
      const negatives = d[a].filter((_, j) => LABELS[j] !== LABELS[a]);
      return softplus(Math.max(0, ...positives) - Math.min(...negatives));
    });
    expect(batchHardTripletLoss(LABELS, e, 0.5, { softMargin: true }).loss.item()).to.be.closeTo(
      perAnchor.reduce((x, y) => x + y) / B,
      1e-12,
    );
    expect(hard.loss).to.be.a('number');
  });

  it('float32 agrees with float64', () => {
    for (const loss of [batchAllTripletLoss, batchHardTripletLoss, batchSemiHardTripletLoss]) {
      const l64 = loss(LABELS, embeddings(10), 0.5).loss;
      const l32 = loss(LABELS, embeddings(10, 'float32'), 0.5).loss;
      expect(l32.dtype).to.equal('float32');
      expect(l32.item()).to.be.closeTo(l64.item(), 1e-5);
    }
  });
});

describe('triplet: gradients', () => {
  for (const op of listOps().filter((o) => o.kind === 'loss')) {
    for (const c of op.cases) {
      it(`gradcheck ${op.name} ${c.label}`, () => {
        const report = gradcheckCase(c, { seed: 23, name: op.name });
        expect(report.passed, report.message).to.equal(true);
      });
    }
  }

  /** The original's formulation, B×B×B tensors and all, written with engine ops: the reference for the fused op. */
  const naiveB3BatchAll = (labels: number[], e: Tensor, margin: number, squared: boolean): Tensor => {
    const d = pairwiseDistances(e, { squared });
    const t = add(sub(expandDims(d, 2), expandDims(d, 1)), margin);
    const hinge = maximum(mul(tripletMask(labels, { dtype: e.dtype }), t), 0);
    return div(sum(hinge), add(sum(gt(hinge, 1e-16)), 1e-16));
  };

  for (const squared of [false, true]) {
    it(`the fused batch-all equals the naive B³ formulation in value and gradient (squared: ${squared})`, () => {
      const fusedInput = embeddings(11, 'float64', true);
      const naiveInput = embeddings(11, 'float64', true);
      const fused = batchAllTripletLoss(LABELS, fusedInput, 0.5, { squared }).loss;
      const naive = naiveB3BatchAll(LABELS, naiveInput, 0.5, squared);
      expect(fused.item()).to.be.closeTo(naive.item(), 1e-12);
      fused.backward();
      naive.backward();
      expectClose(fusedInput.grad!.data, naiveInput.grad!.data, 1e-10, 'gradient');
      expect(Math.max(...fusedInput.grad!.data.map(Math.abs))).to.be.greaterThan(1e-3);
    });
  }

  it('batch-all at B = 1024, D = 64: loss and gradient with no buffer larger than O(B²)', () => {
    const b = 1024;
    const labels = Array.from({ length: b }, (_, i) => i % 10);
    const e = randn([b, 64], new Rng(12), { requiresGrad: true });
    const { result, largest } = largestTypedArray(() => {
      const { loss, numValid } = batchAllTripletLoss(labels, e, 0.5);
      loss.backward();
      return { loss: loss.item(), numValid };
    });
    // Σ over classes of n·(n − 1)·(B − n): four classes of 103 images and six of 102
    expect(result.numValid).to.equal(4 * 103 * 102 * 921 + 6 * 102 * 101 * 922);
    expect(Number.isFinite(result.loss)).to.equal(true);
    expect(e.grad!.data.every(Number.isFinite)).to.equal(true);
    // O(B²): the largest array is a view of the js backend's shared memory (a few B×B matrices, ~4.5 B² floats);
    // a B³ tensor would be 1024 B²
    expect(largest).to.be.at.most(8 * b * b);
  });
});

describe('triplet: argument checks', () => {
  const e = randn([4, 3], new Rng(1));
  it('labels must match the batch and be integers; [B,1] label tensors are refused', () => {
    expect(() => batchAllTripletLoss([0, 1, 0], e, 0.5)).to.throw(
      ShapeError,
      'batchAllTripletLoss: 3 labels for a batch of 4 embeddings',
    );
    expect(() => batchHardTripletLoss([0, 1, 0.5, 1], e, 0.5)).to.throw(
      ValueError,
      'batchHardTripletLoss: label 2 is 0.5, not an integer',
    );
    expect(() => batchAllTripletLoss(tensor([[0], [1], [0], [1]]), e, 0.5)).to.throw(
      ShapeError,
      'batchAllTripletLoss: labels must be a vector [B], got a tensor of shape [4,1]',
    );
  });
  it('embeddings must be a matrix and the margin finite', () => {
    expect(() => batchSemiHardTripletLoss([0, 1], randn([2, 2, 2], new Rng(1)), 0.5)).to.throw(
      ShapeError,
      'batchSemiHardTripletLoss: embeddings must be a matrix [B,D], got [2,2,2]',
    );
    expect(() => batchAllTripletLoss([0, 1, 0, 1], e, NaN)).to.throw(
      ValueError,
      'batchAllTripletLoss: margin must be a finite number, got NaN',
    );
  });
});
