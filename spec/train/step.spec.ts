import { expect } from 'chai';
import {
  Adam,
  batchAllTripletLoss,
  EmbeddingNet,
  imageBatch,
  labelBatch,
  loadEmbeddedDigits,
  randn,
  Rng,
  setBackend,
  withBackend,
} from '../../lib';

interface StepResult {
  loss: number;
  grads: Map<string, Float32Array | Float64Array>;
  params: Map<string, Float32Array | Float64Array>;
}

/** One training step of the original's network (28×28 digits, batch norm on) on the backend in use. */
function trainingStep(): StepResult {
  const rng = new Rng(21);
  const net = new EmbeddingNet(
    { imageSize: 28, numChannels: 8, embeddingSize: 16, useBatchNorm: true, bnMomentum: 0.9 },
    rng,
  );
  const adam = new Adam(net.namedParameters(), { lr: 1e-3 });
  const images = randn([12, 28, 28, 1], rng, { mean: 0.3, std: 0.3 });
  const labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3];
  const { loss } = batchAllTripletLoss(labels, net.forward(images), 0.5);
  loss.backward();
  const grads = new Map(net.namedParameters().map(([name, p]) => [name, p.grad!.data.slice()]));
  adam.step();
  return {
    loss: loss.item(),
    grads,
    params: new Map(net.namedParameters().map(([name, p]) => [name, p.data.slice()])),
  };
}

const maxAbs = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('train: one full step gives the same loss and gradients on every backend', () => {
  let reference: StepResult;
  before(() => (reference = withBackend('reference', trainingStep)));
  after(() => setBackend('js'));

  const backends: Array<[string, () => void]> = [
    ['js', () => setBackend('js')],
    ['gpu (webgpu)', () => setBackend('gpu', { gpuMode: 'webgpu' })],
    ['gpu (webasm)', () => setBackend('gpu', { gpuMode: 'webasm' })],
    ['gpu (cpu)', () => setBackend('gpu', { gpuMode: 'cpu' })],
  ];
  for (const [name, select] of backends) {
    it(name, () => {
      select();
      const result = trainingStep();
      expect(result.loss).to.be.closeTo(reference.loss, 1e-4 * Math.abs(reference.loss));
      // Gradients agree to 1e-4 of the largest gradient in the network: the scale float32 rounding lives at. (The
      // conv biases feed a batch norm, which cancels any per-channel constant: their true gradient is 0, and
      // every backend returns rounding noise there.)
      const scale = Math.max(...[...reference.grads.values()].map(maxAbs));
      for (const [param, grad] of reference.grads) {
        const ours = result.grads.get(param)!;
        grad.forEach((g, i) => expect(Math.abs(ours[i] - g), `∂loss/∂${param}[${i}]`).to.be.at.most(1e-4 * scale));
        // Adam moves each weight by about lr·sign(g): compared where g is above that noise, to 1% of the step.
        const after = result.params.get(param)!;
        const expected = reference.params.get(param)!;
        grad.forEach((g, i) => {
          if (Math.abs(g) > 1e-3 * scale)
            expect(Math.abs(after[i] - expected[i]), `${param}[${i}] after Adam`).to.be.at.most(1e-5);
        });
      }
      expect(maxAbs(reference.grads.get('conv1.bias')!)).to.be.below(1e-4 * scale);
    });
  }
});

describe('train: on real digits without batch norm, every gradient agrees with the reference, the conv biases too', () => {
  // MNIST's black background makes windows of exact zeros: where the exact convolution gives exactly 0, the ReLU
  // must pass no gradient on any backend (a Winograd residue there once sent 17% of a bias's gradient astray)
  it('js', () => {
    const gradients = (): Map<string, Float32Array | Float64Array> => {
      const digits = loadEmbeddedDigits().train;
      const batch = Int32Array.from({ length: 16 }, (_, i) => i);
      const net = new EmbeddingNet({ imageSize: 28, numChannels: 8, embeddingSize: 16 }, new Rng(22));
      const { loss } = batchAllTripletLoss(labelBatch(digits, batch), net.forward(imageBatch(digits, batch)), 0.5);
      loss.backward();
      return new Map(net.namedParameters().map(([name, p]) => [name, p.grad!.data.slice()]));
    };
    const reference = withBackend('reference', gradients);
    const ours = withBackend('js', gradients);
    const norm = (xs: ArrayLike<number>): number => Math.sqrt(Array.from(xs).reduce((s, g) => s + g * g, 0));
    // the dense bias's true gradient is 0 (distances ignore a shift): rounding noise, measured against the largest
    const largest = Math.max(...[...reference.values()].map(norm));
    for (const [name, expected] of reference) {
      const got = Array.from(ours.get(name)!);
      const error = norm(Array.from(expected).map((g, i) => g - got[i]));
      expect(error, `‖∂loss/∂${name}‖ ${norm(expected)}: error`).to.be.at.most(1e-4 * norm(expected) + 1e-6 * largest);
    }
  });
});
