import { expect } from 'chai';
import { Adam, batchAllTripletLoss, EmbeddingNet, randn, Rng, tensor, ValueError } from '../../lib';

describe('nn/optim: Adam', () => {
  it("takes TensorFlow's first three steps exactly (worked by hand)", () => {
    // θ0 = 1, lr 0.1, β1 0.9, β2 0.999, ε 1e-8; gradients 0.5, −0.2, 0.1.
    const theta = tensor([1], undefined, { dtype: 'float64', requiresGrad: true });
    const adam = new Adam([theta], { lr: 0.1 });
    const grads = [0.5, -0.2, 0.1];
    // step 1: m = 0.05, v = 0.00025, lr₁ = 0.1·√0.001 / 0.1
    // step 2: m = 0.9·0.05 − 0.1·0.2 = 0.025, v = 0.999·0.00025 + 0.001·0.04 = 0.00028975, lr₂ = 0.1·√(1 − 0.999²) / (1 − 0.9²)
    // step 3: m = 0.9·0.025 + 0.1·0.1 = 0.0325, v = 0.999·0.00028975 + 0.001·0.01 = 0.00029946025, lr₃ = 0.1·√(1 − 0.999³) / (1 − 0.9³)
    const ms = [0.05, 0.025, 0.0325];
    const vs = [0.00025, 0.00028975, 0.00029946025];
    const lrs = [
      (0.1 * Math.sqrt(0.001)) / 0.1,
      (0.1 * Math.sqrt(1 - 0.998001)) / 0.19,
      (0.1 * Math.sqrt(1 - 0.997002999)) / 0.271,
    ];
    let expected = 1;
    grads.forEach((g, i) => {
      theta.grad = tensor([g], undefined, { dtype: 'float64' });
      adam.step();
      expected -= (lrs[i] * ms[i]) / (Math.sqrt(vs[i]) + 1e-8);
      expect(theta.data[0]).to.be.closeTo(expected, 1e-15);
    });
    expect(adam.iterations).to.equal(3);
    expect(adam.stateDict().m.get('0')!.data[0]).to.be.closeTo(0.0325, 1e-15);
    expect(adam.stateDict().v.get('0')!.data[0]).to.be.closeTo(0.00029946025, 1e-17);
  });

  it('the first step moves every parameter by about lr against the sign of its gradient', () => {
    const p = tensor([0, 0, 0], undefined, { requiresGrad: true, dtype: 'float64' });
    const adam = new Adam([p], { lr: 0.01 });
    p.grad = tensor([3, -0.5, 50], undefined, { dtype: 'float64' });
    adam.step();
    expect(Array.from(p.data).map((v) => Math.round(v * 1e6) / 1e6)).to.deep.equal([-0.01, 0.01, -0.01]);
  });

  it('skips parameters without a gradient, and zeroGrad clears them', () => {
    const a = tensor([1], undefined, { requiresGrad: true });
    const b = tensor([1], undefined, { requiresGrad: true });
    const adam = new Adam([a, b]);
    a.grad = tensor([1]);
    adam.step();
    expect(b.data[0]).to.equal(1);
    expect(a.data[0]).to.be.below(1);
    adam.zeroGrad();
    expect(a.grad).to.equal(null);
  });

  it('checks its hyper-parameters', () => {
    const p = tensor([1], undefined, { requiresGrad: true });
    expect(() => new Adam([p], { lr: 0 })).to.throw(ValueError, 'Adam: lr must be a positive number, got 0');
    expect(() => new Adam([p], { beta1: 1 })).to.throw(ValueError, 'Adam: beta1 must be in [0, 1), got 1');
    expect(() => new Adam([tensor([1])])).to.throw(ValueError, "Adam: parameter '0' does not require grad");
  });

  it('same seed, same data: a bit-identical training trajectory', () => {
    const run = (): number[] => {
      const rng = new Rng(11);
      const net = new EmbeddingNet({ imageSize: 8, numChannels: 4, embeddingSize: 5, useBatchNorm: true }, rng);
      const adam = new Adam(net.namedParameters(), { lr: 1e-2 });
      const x = randn([12, 8, 8, 1], rng);
      const labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2];
      return [0, 1, 2, 3].map(() => {
        adam.zeroGrad();
        const { loss } = batchAllTripletLoss(labels, net.forward(x), 0.5);
        loss.backward();
        adam.step();
        return loss.item();
      });
    };
    const first = run();
    expect(run()).to.deep.equal(first);
    expect(first[3]).to.be.below(first[0]);
  });
});
