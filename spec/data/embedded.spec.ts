import { expect } from 'chai';
import { isTestImage, loadEmbeddedDigits } from '../../lib';

describe('data: the embedded digits (mnist package)', () => {
  const data = loadEmbeddedDigits();
  const perClass = (labels: Uint8Array): number[] =>
    Array.from({ length: 10 }, (_, c) => labels.filter((l) => l === c).length);

  it('splits the 10,000 digits into 8,000 training and 2,000 test images, 28×28, pixels in [0, 1]', () => {
    expect([data.train.count, data.test.count]).to.deep.equal([8000, 2000]);
    expect(data.train.imageSize).to.equal(28);
    expect(data.train.images.length).to.equal(8000 * 784);
    const [low, high] = data.test.images.reduce(
      ([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)],
      [Infinity, -Infinity],
    );
    expect([low, high]).to.deep.equal([0, 1]);
  });

  it('is stratified: each class gives round(20%) of its images to the test set', () => {
    const total = perClass(data.train.labels).map((n, c) => n + perClass(data.test.labels)[c]);
    expect(total).to.deep.equal([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(perClass(data.test.labels)).to.deep.equal(total.map((n) => Math.round(0.2 * n)));
  });

  it('spreads the test images evenly through each class (by hand: n = 10 → images 4 and 9; n = 7 → image 6)', () => {
    // t = round(0.2·n) test images: image i is one when ⌊(i+1)·t/n⌋ steps up
    expect(Array.from({ length: 10 }, (_, i) => i).filter((i) => isTestImage(i, 10))).to.deep.equal([4, 9]);
    expect(Array.from({ length: 7 }, (_, i) => i).filter((i) => isTestImage(i, 7))).to.deep.equal([6]); // t = round(1.4) = 1
  });

  it('stores each split in a fixed shuffled order: the first images mix the classes', () => {
    expect(new Set(data.train.labels.subarray(0, 50)).size).to.equal(10);
    expect(new Set(data.test.labels.subarray(0, 50)).size).to.equal(10);
    expect(loadEmbeddedDigits()).to.equal(data); // parsed once per process
  });
});
