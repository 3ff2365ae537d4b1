import { expect } from 'chai';
import { epochBatches, Rng } from '../../lib';

describe('data: batches of an epoch', () => {
  const labels = Uint8Array.from({ length: 103 }, (_, i) => (i * 7) % 5);
  const shuffle = { batchSize: 10, sampler: 'shuffle' as const, imagesPerClass: 2, dropLast: false };

  it('shuffle: every image exactly once per epoch, in batches of batch_size, the last one smaller', () => {
    const batches = epochBatches(labels, shuffle, new Rng(1));
    expect(batches.map((b) => b.length)).to.deep.equal([...Array(10).fill(10), 3]);
    expect([...batches.flatMap((b) => Array.from(b))].sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: 103 }, (_, i) => i),
    );
  });

  it('shuffle: drop_last drops the last batch; a batch of one image is always dropped', () => {
    expect(epochBatches(labels, { ...shuffle, dropLast: true }, new Rng(1)).map((b) => b.length)).to.deep.equal(
      Array(10).fill(10),
    );
    expect(epochBatches(labels.subarray(0, 21), shuffle, new Rng(1)).map((b) => b.length)).to.deep.equal([10, 10]);
  });

  it('is reproducible from the generator, and each epoch differs', () => {
    const rng = new Rng(7);
    const first = epochBatches(labels, shuffle, rng).map((b) => Array.from(b));
    const second = epochBatches(labels, shuffle, rng).map((b) => Array.from(b));
    expect(epochBatches(labels, shuffle, new Rng(7)).map((b) => Array.from(b))).to.deep.equal(first);
    expect(second).to.not.deep.equal(first);
  });

  it('balanced: P classes × K images per batch, no image twice in an epoch, until fewer than P classes have K left', () => {
    const counts = [30, 25, 12, 9, 27]; // images per class
    const skewed = Uint8Array.from(counts.flatMap((n, c) => Array(n).fill(c)));
    const batches = epochBatches(
      skewed,
      { batchSize: 12, sampler: 'balanced', imagesPerClass: 4, dropLast: false },
      new Rng(3),
    );
    const seen = new Set<number>();
    for (const batch of batches) {
      expect(batch.length).to.equal(12);
      const byClass = new Map<number, number>();
      for (const i of batch) {
        expect(seen.has(i)).to.equal(false);
        seen.add(i);
        byClass.set(skewed[i], (byClass.get(skewed[i]) ?? 0) + 1);
      }
      expect([...byClass.values()]).to.deep.equal([4, 4, 4]);
    }
    const left = counts.map((n, c) => n - [...seen].filter((i) => skewed[i] === c).length);
    expect(left.filter((n) => n >= 4).length).to.be.below(3); // the epoch ended because fewer than P = 3 classes had K = 4 left
  });
});
