import { expect } from 'chai';
import {
  arange,
  DTypeError,
  eye,
  full,
  ones,
  randn,
  Rng,
  ShapeError,
  Tensor,
  tensor,
  uniform,
  ValueError,
  zeros,
} from '../../lib';

describe('autograd/creation', () => {
  it('reads nested arrays, infers the shape, and gives them back', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).to.deep.equal([2, 3]);
    expect(t.dtype).to.equal('float32');
    expect(t.size).to.equal(6);
    expect(t.rank).to.equal(2);
    expect(t.toArray()).to.deep.equal([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.data).to.be.instanceOf(Float32Array);
  });

  it('takes a flat list with a shape, a scalar, and float64', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [3, 2], { dtype: 'float64' });
    expect(t.toArray()).to.deep.equal([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(t.data).to.be.instanceOf(Float64Array);
    expect(tensor(2.5).shape).to.deep.equal([]);
    expect(tensor(2.5).item()).to.equal(2.5);
    expect(tensor(new Float64Array([1, 2])).dtype).to.equal('float64');
  });

  it('copies its input', () => {
    const source = new Float32Array([1, 2]);
    const t = tensor(source);
    source[0] = 9;
    expect(t.data[0]).to.equal(1);
  });

  it('rejects ragged arrays, wrong counts, bad shapes and unknown dtypes with a clear message', () => {
    expect(() => tensor([[1, 2], [3]])).to.throw(
      ShapeError,
      'tensor: ragged nested array at [1]: expected length 2, got length 1',
    );
    expect(() => tensor([1, 2, 3], [2, 2])).to.throw(ShapeError, 'tensor: 3 values do not fill shape [2,2]');
    expect(() => zeros([2, -1])).to.throw(
      ShapeError,
      'full: invalid shape [2,-1]: sizes must be non-negative integers',
    );
    expect(() => zeros([NaN])).to.throw(ShapeError, /invalid shape \[NaN\]/);
    expect(() => tensor([1], undefined, { dtype: 'int8' as never })).to.throw(
      DTypeError,
      "tensor: unknown dtype 'int8'",
    );
    expect(() => tensor([['a']] as never)).to.throw(ValueError, 'tensor: element 0 is string, not a number');
  });

  it('item() needs exactly one element', () => {
    expect(() => zeros([2]).item()).to.throw(
      ValueError,
      'item: tensor of shape [2] has 2 elements; item() needs exactly one',
    );
  });

  it('makes zeros, ones, full, eye and arange', () => {
    expect(zeros([2]).toArray()).to.deep.equal([0, 0]);
    expect(ones([1, 2]).toArray()).to.deep.equal([[1, 1]]);
    expect(full([2], 7, { dtype: 'float64' }).toArray()).to.deep.equal([7, 7]);
    expect(eye(2, 3).toArray()).to.deep.equal([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(arange(4).toArray()).to.deep.equal([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25, { dtype: 'float64' }).toArray()).to.deep.equal([1, 1.25, 1.5, 1.75]);
    expect(() => arange(0, 1, 0)).to.throw(ValueError, /step non-zero/);
  });

  it('draws random tensors only from a seeded Rng, reproducibly', () => {
    const a = randn([3, 4], new Rng(1), { dtype: 'float64' });
    const b = randn([3, 4], new Rng(1), { dtype: 'float64' });
    expect(a.toArray()).to.deep.equal(b.toArray());
    const u = uniform([1000], new Rng(2), { low: -3, high: -1 });
    expect(Math.min(...u.data)).to.be.at.least(-3);
    expect(Math.max(...u.data)).to.be.below(-1);
    expect(() => randn([2], undefined as never)).to.throw(ValueError, /pass a seeded Rng/);
  });

  it('marks leaves that require grad', () => {
    const w = zeros([2], { requiresGrad: true });
    expect(w.requiresGrad).to.equal(true);
    expect(w.isLeaf).to.equal(true);
    expect(String(w)).to.equal('Tensor(float32 [2], requiresGrad)');
    expect(() => new Tensor(new Float32Array(3), [2, 2])).to.throw(
      ShapeError,
      'Tensor: 3 values do not fill shape [2,2]',
    );
  });
});
