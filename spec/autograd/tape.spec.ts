import { expect } from 'chai';
import * as t from '../../lib';
import { isGradEnabled, noGrad, ShapeError, Tensor, tensor, ValueError } from '../../lib';

const leaf = (values: number[] | number[][]): Tensor =>
  tensor(values, undefined, { dtype: 'float64', requiresGrad: true });

describe('autograd/tape', () => {
  it('differentiates a small expression exactly (by hand: f = Σ (x·y + x²), ∂f/∂x = y + 2x, ∂f/∂y = x)', () => {
    const x = leaf([1, -2, 3]);
    const y = leaf([4, 5, -6]);
    t.sum(t.add(t.mul(x, y), t.square(x))).backward();
    expect(x.grad!.toArray()).to.deep.equal([6, 1, 0]);
    expect(y.grad!.toArray()).to.deep.equal([1, -2, 3]);
  });

  it('accumulates when one tensor feeds three ops (f = Σ (eˣ + 3x + x·x), ∂f/∂x = eˣ + 3 + 2x)', () => {
    const x = leaf([0.5, -1]);
    const f = t.sum(t.add(t.add(t.exp(x), t.mul(x, 3)), t.mul(x, x)));
    f.backward();
    expect(x.grad!.data[0]).to.be.closeTo(Math.exp(0.5) + 3 + 1, 1e-15);
    expect(x.grad!.data[1]).to.be.closeTo(Math.exp(-1) + 3 - 2, 1e-15);
  });

  it('accumulates .grad across backward calls until zeroGrad', () => {
    const x = leaf([2]);
    t.sum(t.mul(x, 3)).backward();
    t.sum(t.mul(x, 3)).backward();
    expect(x.grad!.toArray()).to.deep.equal([6]);
    x.zeroGrad();
    expect(x.grad).to.equal(null);
    t.sum(t.mul(x, 5)).backward();
    expect(x.grad!.toArray()).to.deep.equal([5]);
  });

  it('sums a broadcast input’s gradient back to its shape', () => {
    const bias = leaf([1, 2, 3]);
    const x = leaf([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    t.sum(t.mul(t.add(x, bias), 2)).backward();
    expect(bias.grad!.toArray()).to.deep.equal([4, 4, 4]);
    expect(x.grad!.shape).to.deep.equal([2, 3]);
  });

  it('keeps gradients on leaves only, and records nothing for tensors that do not need it', () => {
    const x = leaf([1, 2]);
    const c = tensor([3, 4], undefined, { dtype: 'float64' });
    const h = t.mul(x, c);
    expect(h.requiresGrad).to.equal(true);
    expect(h.gradFn!.op).to.equal('mul');
    expect(h.isLeaf).to.equal(false);
    t.sum(h).backward();
    expect(h.grad).to.equal(null);
    expect(c.grad).to.equal(null);
    expect(t.mul(c, c).gradFn).to.equal(null);
  });

  it('noGrad records nothing, and restores recording even after a throw', () => {
    const x = leaf([1]);
    const y = noGrad(() => {
      expect(isGradEnabled()).to.equal(false);
      return t.mul(x, 2);
    });
    expect(y.requiresGrad).to.equal(false);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).to.throw('boom');
    expect(isGradEnabled()).to.equal(true);
  });

  it('detach cuts the tape but shares the values', () => {
    const x = leaf([3]);
    const d = t.mul(x, 2).detach();
    expect(d.requiresGrad).to.equal(false);
    const f = t.sum(t.mul(t.mul(x, 2), d)); // ∂f/∂x = 2·d = 12 (d is a constant)
    f.backward();
    expect(x.grad!.toArray()).to.deep.equal([12]);
  });

  it('backward of a non-scalar needs the upstream gradient, of the right shape', () => {
    const x = leaf([1, 2]);
    const y = t.mul(x, x);
    expect(() => y.backward()).to.throw(
      ValueError,
      'backward: output has shape [2]; pass the upstream gradient for a non-scalar output',
    );
    expect(() => y.backward(tensor([1, 1, 1], undefined, { dtype: 'float64' }))).to.throw(
      ShapeError,
      /does not match output/,
    );
    y.backward(tensor([1, 10], undefined, { dtype: 'float64' }));
    expect(x.grad!.toArray()).to.deep.equal([2, 40]);
    expect(() => tensor([1]).backward()).to.throw(ValueError, /does not require grad/);
  });

  it('handles deep graphs without recursion limits', () => {
    const x = leaf([1]);
    let y: Tensor = x;
    for (let i = 0; i < 20000; i++) y = t.add(y, 1e-3);
    t.sum(y).backward();
    expect(x.grad!.toArray()).to.deep.equal([1]);
  });

  describe('conventions at kinks (chosen as TensorFlow, documented in each op)', () => {
    const gradOf = (f: (x: Tensor) => Tensor, values: number[]): number[] => {
      const x = leaf(values);
      t.sum(f(x)).backward();
      return Array.from(x.grad!.data);
    };

    it('relu at 0 has gradient 0', () => expect(gradOf(t.relu, [-1, 0, 2])).to.deep.equal([0, 0, 1]));
    it('abs at 0 has gradient 0', () => expect(gradOf(t.abs, [-1, 0, 2])).to.deep.equal([-1, 0, 1]));
    it('clamp passes the gradient on its bounds', () =>
      expect(gradOf((x) => t.clamp(x, 0, 1), [-1, 0, 0.5, 1, 2])).to.deep.equal([0, 1, 1, 1, 0]));
    it('max/min split the gradient equally among ties', () => {
      expect(gradOf((x) => t.max(x), [1, 3, 3, 0])).to.deep.equal([0, 0.5, 0.5, 0]);
      expect(gradOf((x) => t.min(t.reshape(x, [2, 3]), 1), [0, 0, 0, 5, 1, 9])).to.deep.equal([
        1 / 3,
        1 / 3,
        1 / 3,
        0,
        1,
        0,
      ]);
    });
    it('maximum/minimum send a tie entirely to the first operand', () => {
      const x = leaf([1, 2]);
      const y = leaf([1, 5]);
      t.sum(t.add(t.maximum(x, y), t.minimum(x, y))).backward();
      expect(x.grad!.toArray()).to.deep.equal([2, 1]);
      expect(y.grad!.toArray()).to.deep.equal([0, 1]);
    });
    it('sqrt at 0 has infinite slope, and a zero upstream gradient through it gives NaN', () => {
      expect(gradOf(t.sqrt, [0, 4])).to.deep.equal([Infinity, 0.25]);
      expect(gradOf((x) => t.mul(t.sqrt(x), 0), [0])[0]).to.be.NaN;
    });
    it('norm at 0 has gradient 0', () => expect(gradOf((x) => t.norm(x), [0, 0])).to.deep.equal([0, 0]));
    it('maxPool2d sends a tied window’s gradient to its first element only', () => {
      expect(gradOf((x) => t.maxPool2d(t.reshape(x, [1, 2, 2, 1])), [7, 7, 7, 1])).to.deep.equal([1, 0, 0, 0]);
    });
  });
});
