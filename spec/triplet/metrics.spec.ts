import { expect } from 'chai';
import {
  embeddingMeanNorm,
  kmeans,
  nearestNeighbors,
  normalizedMutualInformation,
  randn,
  retrievalMetrics,
  Rng,
  tensor,
} from '../../lib';
import { lcgValues, range } from '../support/reference';

describe('triplet/metrics', () => {
  describe('on a hand-worked example (1-D points 0, 1, 5, 6, 7, 20 labelled A A B B A B)', () => {
    // Neighbours, nearest first (ties by index): 0 → 1A 2B 3B 4A 5B; 1 → 0A 2B 3B 4A 5B; 2 → 3B 4A 1A 0A 5B;
    // 3 → 2B 4A 1A 0A 5B (2 and 4 tie at distance 1); 4 → 3B 2B 1A 0A 5B; 5 → 4A 3B 2B 1A 0A. Each class has 3
    // members, so R = 2 for every query.
    const x = tensor([0, 1, 5, 6, 7, 20], [6, 1]);
    const labels = [0, 0, 1, 1, 0, 1];
    const m = retrievalMetrics(x, labels, { ks: [1, 2, 4, 8] });

    it('nearest neighbours, ties broken by index', () => {
      expect(Array.from(nearestNeighbors(x, 5))).to.deep.equal([
        1, 2, 3, 4, 5, 0, 2, 3, 4, 5, 3, 4, 1, 0, 5, 2, 4, 1, 0, 5, 3, 2, 1, 0, 5, 4, 3, 2, 1, 0,
      ]);
    });
    it('precision@1 = 4/6 (queries 4 and 5 miss)', () => expect(m.precisionAt1).to.be.closeTo(4 / 6, 1e-15));
    it('recall@K = 4/6, 5/6, 1, 1 for K = 1, 2, 4, 8', () => {
      expect(m.recallAt[1]).to.be.closeTo(4 / 6, 1e-15);
      expect(m.recallAt[2]).to.be.closeTo(5 / 6, 1e-15);
      expect(m.recallAt[4]).to.equal(1);
      expect(m.recallAt[8]).to.equal(1);
    });
    it('R-precision = (5 × 1/2 + 0) / 6 = 5/12', () => expect(m.rPrecision).to.be.closeTo(5 / 12, 1e-15));
    it('MAP@R = (4 × 1/2 + 0 + 1/4) / 6 = 0.375', () => expect(m.mapAtR).to.be.closeTo(0.375, 1e-15));
    it('embedding mean norm = 39/6', () => expect(m.embeddingMeanNorm).to.be.closeTo(6.5, 1e-6));
    it('counts every query (no label is alone)', () => expect(m.queries).to.equal(6));
  });

  it('agrees with a brute-force loop (full sort of all distances) on random data, blocks of 7 queries', () => {
    const n = 60;
    const dim = 4;
    const values = lcgValues(n * dim, 9);
    const labels = range(n).map((i) => (i * 7) % 5);
    labels[59] = 9; // a label of its own: excluded from the retrieval metrics
    const m = retrievalMetrics(tensor(values, [n, dim], { dtype: 'float64' }), labels, {
      blockSize: 7,
      ks: [1, 3, 10],
    });
    let queries = 0;
    let p1 = 0;
    let rp = 0;
    let map = 0;
    const recall: Record<number, number> = { 1: 0, 3: 0, 10: 0 };
    for (let q = 0; q < n; q++) {
      const r = labels.filter((l, j) => j !== q && l === labels[q]).length;
      if (r === 0) continue;
      queries++;
      const dist = (j: number): number =>
        range(dim).reduce((s, k) => s + (values[q * dim + k] - values[j * dim + k]) ** 2, 0);
      const order = range(n)
        .filter((j) => j !== q)
        .sort((i, j) => dist(i) - dist(j) || i - j);
      const rel = order.map((j) => labels[j] === labels[q]);
      if (rel[0]) p1++;
      for (const K of [1, 3, 10]) if (rel.slice(0, K).some(Boolean)) recall[K]++;
      rp += rel.slice(0, r).filter(Boolean).length / r;
      let found = 0;
      let ap = 0;
      rel.slice(0, r).forEach((isRel, i) => {
        if (isRel) ap += ++found / (i + 1);
      });
      map += ap / r;
    }
    expect(m.queries).to.equal(59);
    expect(m.precisionAt1).to.be.closeTo(p1 / queries, 1e-12);
    for (const K of [1, 3, 10]) expect(m.recallAt[K]).to.be.closeTo(recall[K] / queries, 1e-12);
    expect(m.rPrecision).to.be.closeTo(rp / queries, 1e-12);
    expect(m.mapAtR).to.be.closeTo(map / queries, 1e-12);
  });

  describe('NMI', () => {
    it('is 1 for identical partitions (whatever the names) and 0 for independent ones', () => {
      expect(normalizedMutualInformation([0, 0, 1, 1], [5, 5, 2, 2])).to.be.closeTo(1, 1e-15);
      expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).to.be.closeTo(0, 1e-15);
    });
    it('matches a hand computation: A = 000111, B = 001122 → (4/3)·ln 2 / ln 6', () => {
      expect(normalizedMutualInformation([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).to.be.closeTo(
        ((4 / 3) * Math.log(2)) / Math.log(6),
        1e-15,
      );
    });
  });

  describe('k-means', () => {
    const blobs = (): { data: Float64Array; truth: number[] } => {
      const rng = new Rng(3);
      const centers = [
        [0, 0],
        [10, 0],
        [0, 10],
      ];
      const truth = range(90).map((i) => i % 3);
      const data = new Float64Array(180);
      truth.forEach((c, i) => {
        data[2 * i] = centers[c][0] + rng.normal(0, 0.5);
        data[2 * i + 1] = centers[c][1] + rng.normal(0, 0.5);
      });
      return { data, truth };
    };
    it('recovers three well-separated blobs exactly (NMI 1)', () => {
      const { data, truth } = blobs();
      expect(normalizedMutualInformation(truth, kmeans(data, 90, 2, 3, new Rng(1)))).to.be.closeTo(1, 1e-12);
    });
    it('is deterministic for a seed', () => {
      const { data } = blobs();
      expect(Array.from(kmeans(data, 90, 2, 3, new Rng(5)))).to.deep.equal(
        Array.from(kmeans(data, 90, 2, 3, new Rng(5))),
      );
    });
    it('gives the retrieval report an NMI near 1 on separable embeddings and low on noise', () => {
      const { data, truth } = blobs();
      expect(retrievalMetrics(tensor(data, [90, 2]), truth).nmi).to.be.closeTo(1, 1e-12);
      expect(retrievalMetrics(randn([90, 2], new Rng(2)), truth).nmi).to.be.below(0.2);
    });
  });

  it('embeddingMeanNorm is the mean row norm', () => {
    expect(
      embeddingMeanNorm(
        tensor([
          [3, 4],
          [0, 0],
          [6, 8],
        ]),
      ),
    ).to.be.closeTo(5, 1e-12);
  });
});
