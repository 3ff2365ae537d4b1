import { expect } from 'chai';
import * as t from '../../lib';
import {
  BatchNorm,
  Conv2d,
  Dense,
  EmbeddingNet,
  fans,
  Flatten,
  glorotUniform,
  gradcheckCase,
  listOps,
  MaxPool2d,
  ReLU,
  Rng,
  Sequential,
  ShapeError,
  tensor,
  ValueError,
} from '../../lib';
import { expectClose } from '../support/reference';

describe('nn: layers', () => {
  describe('gradient checks of every layer and of the network (float64, parameters included)', () => {
    for (const op of listOps().filter((o) => o.kind === 'layer' || o.kind === 'network')) {
      for (const c of op.cases) {
        it(`${op.name} ${c.label}`, () => {
          const report = gradcheckCase(c, { seed: 29, name: op.name });
          expect(report.passed, report.message).to.equal(true);
        });
      }
    }
    it('covers Dense, Conv2d, BatchNorm and the EmbeddingNet', () => {
      const names = listOps()
        .filter((o) => o.cases.length > 0)
        .map((o) => o.name);
      expect(names).to.include.members(['Dense', 'Conv2d', 'BatchNorm', 'EmbeddingNet']);
    });
  });

  describe('BatchNorm against a hand computation', () => {
    // x = [[1, 2], [3, 6]]: batch mean [2, 4], biased variance [1, 4]; γ = [2, 1], β = [0, 1], ε = 1e-3, momentum 0.9.
    const make = (): BatchNorm => {
      const bn = new BatchNorm(2, { momentum: 0.9, dtype: 'float64' });
      bn.gamma.data.set([2, 1]);
      bn.beta.data.set([0, 1]);
      return bn;
    };
    const x = tensor(
      [
        [1, 2],
        [3, 6],
      ],
      undefined,
      { dtype: 'float64' },
    );

    it('training: normalises with the batch statistics and updates the moving ones (variance × n/(n−1))', () => {
      const bn = make();
      const y = bn.forward(x);
      const s0 = Math.sqrt(1 + 1e-3);
      const s1 = Math.sqrt(4 + 1e-3);
      expectClose(y.data, [(2 * -1) / s0, -2 / s1 + 1, (2 * 1) / s0, 2 / s1 + 1], 1e-14);
      // moving = 0.9·initial + 0.1·batch: mean 0.9·0 + 0.1·[2, 4]; variance 0.9·1 + 0.1·[1, 4]·2
      expectClose(bn.movingMean.data, [0.2, 0.4], 1e-15);
      expectClose(bn.movingVariance.data, [1.1, 1.7], 1e-15);
    });

    it('eval: uses the moving statistics and leaves them alone', () => {
      const bn = make();
      bn.forward(x);
      bn.eval();
      const y = bn.forward(x);
      const s0 = Math.sqrt(1.1 + 1e-3);
      const s1 = Math.sqrt(1.7 + 1e-3);
      expectClose(y.data, [(2 * (1 - 0.2)) / s0, (2 - 0.4) / s1 + 1, (2 * (3 - 0.2)) / s0, (6 - 0.4) / s1 + 1], 1e-14);
      expectClose(bn.movingMean.data, [0.2, 0.4], 1e-15);
    });

    it('normalises NHWC images per channel (the last axis)', () => {
      const bn = new BatchNorm(3, { dtype: 'float64' });
      const y = bn.forward(t.randn([4, 5, 5, 3], new Rng(2), { dtype: 'float64', mean: 3, std: 2 }));
      const means = t.mean(y, [0, 1, 2]);
      const variances = t.mean(t.square(y), [0, 1, 2]);
      expectClose(means.data, [0, 0, 0], 1e-12);
      for (const v of variances.data) expect(v).to.be.closeTo(1, 1e-3);
    });
  });

  describe('initialisers', () => {
    it('count fans as TensorFlow: dense [in,out], conv [kh,kw,in,out] → kh·kw·in, kh·kw·out', () => {
      expect(fans([3136, 64])).to.deep.equal([3136, 64]);
      expect(fans([3, 3, 32, 64])).to.deep.equal([288, 576]);
    });
    it('draw Glorot-uniform values in ±√(6/(fanIn+fanOut)) with variance limit²/3', () => {
      const w = glorotUniform([3, 3, 32, 64], new Rng(1));
      const limit = Math.sqrt(6 / (288 + 576));
      expect(Math.max(...w.data.map(Math.abs))).to.be.at.most(limit);
      const variance = Array.from(w.data).reduce((s, v) => s + v * v, 0) / w.size;
      expect(variance).to.be.closeTo((limit * limit) / 3, 0.02 * limit * limit);
    });
    it('give the same weights for the same seed and others for another seed', () => {
      const a = new EmbeddingNet({ imageSize: 28, numChannels: 32, embeddingSize: 64 }, new Rng(7));
      const b = new EmbeddingNet({ imageSize: 28, numChannels: 32, embeddingSize: 64 }, new Rng(7));
      const c = new EmbeddingNet({ imageSize: 28, numChannels: 32, embeddingSize: 64 }, new Rng(8));
      const bytes = (m: EmbeddingNet): Buffer => Buffer.concat(m.parameters().map((p) => Buffer.from(p.data.buffer)));
      expect(bytes(a).equals(bytes(b))).to.equal(true);
      expect(bytes(a).equals(bytes(c))).to.equal(false);
      expect(
        a
          .namedParameters()
          .find(([n]) => n === 'conv1.bias')![1]
          .data.every((v) => v === 0),
      ).to.equal(true);
    });
  });

  describe('the embedding network', () => {
    it("has the original's shape and 219,584 parameters (num_channels 32, embedding 64, no batch norm)", () => {
      const net = new EmbeddingNet({ imageSize: 28, numChannels: 32, embeddingSize: 64 }, new Rng(1));
      // conv1 3·3·1·32 + 32, conv2 3·3·32·64 + 64, dense 7·7·64·64 + 64
      expect(net.parameterCount()).to.equal(320 + 18496 + 200768);
      expect(net.parameterCount()).to.equal(219584);
      expect(net.forward(t.zeros([2, 28, 28, 1])).shape).to.deep.equal([2, 64]);
      expect(net.namedParameters().map(([n]) => n)).to.deep.equal([
        'conv1.weight',
        'conv1.bias',
        'conv2.weight',
        'conv2.bias',
        'dense.weight',
        'dense.bias',
      ]);
    });
    it('with batch norm adds γ and β per channel, and moving statistics as buffers', () => {
      const net = new EmbeddingNet(
        { imageSize: 28, numChannels: 32, embeddingSize: 64, useBatchNorm: true, bnMomentum: 0.9 },
        new Rng(1),
      );
      expect(net.parameterCount()).to.equal(219584 + 2 * (32 + 64));
      expect(net.namedBuffers().map(([n]) => n)).to.deep.equal([
        'bn1.movingMean',
        'bn1.movingVariance',
        'bn2.movingMean',
        'bn2.movingVariance',
      ]);
      expect(String(net)).to.contain('(bn2): BatchNorm(64, momentum 0.9');
    });
    it('works for other image sizes and says what it expects when the input does not fit', () => {
      const net = new EmbeddingNet({ imageSize: 16, numChannels: 4, embeddingSize: 8 }, new Rng(1));
      expect(net.forward(t.zeros([3, 16, 16, 1])).shape).to.deep.equal([3, 8]);
      expect(() => net.forward(t.zeros([3, 28, 28, 1]))).to.throw(
        ShapeError,
        'EmbeddingNet: expects images [N,16,16,1] (image_size 16), got [3,28,28,1]',
      );
      expect(() => new EmbeddingNet({ imageSize: 2, numChannels: 4, embeddingSize: 8 }, new Rng(1))).to.throw(
        ValueError,
        'imageSize must be an integer ≥ 4',
      );
    });
    it('train() and eval() reach every layer', () => {
      const net = new EmbeddingNet({ imageSize: 8, numChannels: 2, embeddingSize: 3, useBatchNorm: true }, new Rng(1));
      net.eval();
      expect(net.namedChildren().every(([, m]) => !m.training)).to.equal(true);
      net.train();
      expect(net.namedChildren().every(([, m]) => m.training)).to.equal(true);
    });
  });

  it('Sequential applies its layers in order, named by position', () => {
    const rng = new Rng(3);
    const conv = new Conv2d(1, 2, rng);
    const dense = new Dense(8, 3, rng);
    const seq = new Sequential([conv, new ReLU(), new MaxPool2d(), new Flatten(), dense]);
    const x = t.randn([2, 4, 4, 1], rng);
    const manual = dense.forward(t.reshape(t.maxPool2d(t.relu(conv.forward(x))), [2, -1]));
    expect(Array.from(seq.forward(x).data)).to.deep.equal(Array.from(manual.data));
    expect(seq.namedParameters().map(([n]) => n)).to.deep.equal(['0.weight', '0.bias', '4.weight', '4.bias']);
  });
});
