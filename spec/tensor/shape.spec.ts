import { expect } from 'chai';
import { ShapeError, ValueError } from '../../lib';
import { broadcastShapes, normalizeAxes, stridesOf } from '../../lib/tensor/shape';

describe('tensor/shape', () => {
  it('broadcasts by NumPy rules', () => {
    expect(broadcastShapes([2, 3, 4], [4], 'op')).to.deep.equal([2, 3, 4]);
    expect(broadcastShapes([3, 1], [1, 4], 'op')).to.deep.equal([3, 4]);
    expect(broadcastShapes([], [2, 2], 'op')).to.deep.equal([2, 2]);
    expect(broadcastShapes([5, 1, 3], [4, 1], 'op')).to.deep.equal([5, 4, 3]);
  });

  it('names the op and both shapes when they do not broadcast', () => {
    expect(() => broadcastShapes([2, 3], [4], 'add')).to.throw(
      ShapeError,
      'add: shapes [2,3] and [4] do not broadcast',
    );
  });

  it('computes row-major strides', () => {
    expect(stridesOf([2, 3, 4])).to.deep.equal([12, 4, 1]);
    expect(stridesOf([])).to.deep.equal([]);
  });

  it('normalises axes: negative, sorted, all by default; rejects repeats and out-of-range', () => {
    expect(normalizeAxes([-1, 0], 3, 'sum')).to.deep.equal([0, 2]);
    expect(normalizeAxes(undefined, 3, 'sum')).to.deep.equal([0, 1, 2]);
    expect(() => normalizeAxes([3], 3, 'sum')).to.throw(
      ValueError,
      'sum: axis 3 is out of range for a tensor of rank 3',
    );
    expect(() => normalizeAxes([1, -2], 3, 'sum')).to.throw(ValueError, /repeated axis/);
  });
});
