import { expect } from 'chai';
import { Adam, EmbeddingNet, getBackend, randn, Rng, setBackend, stepArena, Tensor, withBackend } from '../../../lib';
import { DeviceTraffic, trafficBetween } from '../../../lib/tensor/backend';
import { defaultParams, Params, tripletLoss } from '../../../lib/train';
import { createGpuBackend, GpuBackend } from '../../../lib/tensor/backends';
import { adapterDescription } from '../../../lib/tensor/backends/gpu/gpujs';
import { checkBackendAgainstReference } from '../../support/backend-checks';

// gpu.js computes in float32 (WebGPU and GL have no float64), so float64 inputs are rounded: compare at 1e-4.
const TOLERANCE = { float32: 1e-4, float64: 1e-4 };

// gpu.js's CPU fallbacks take a minute on the model's batch-64 shapes: those run on its real GPU path only, and
// there the forward pass (the backward's kernels are the same as on the small shapes, and llvmpipe is slow)
for (const mode of ['cpu', 'webasm', 'webgpu']) {
  checkBackendAgainstReference(
    `gpu backend, gpu.js '${mode}' mode`,
    () => createGpuBackend(mode),
    ['float32'],
    TOLERANCE,
    { modelShapes: mode === 'webgpu' && 'forward', blockShapes: false },
  );
}

describe('gpu backend: modes', () => {
  it('runs the real WebGPU code path (WGSL through Dawn) on this machine', () => {
    const backend: GpuBackend = createGpuBackend('webgpu');
    expect(backend.mode).to.equal('webgpu');
    expect(backend.description).to.match(/^WebGPU adapter: /);
  });

  it("'auto' picks a real GPU API", () => {
    expect(['webgpu', 'headlessgl']).to.include(createGpuBackend('auto').mode);
  });

  it('refuses an unknown mode, and explains why an unavailable one cannot start', () => {
    expect(() => createGpuBackend('cuda')).to.throw(
      "unknown gpu mode 'cuda' (known: auto, webgpu, headlessgl, webasm, cpu)",
    );
    expect(() => createGpuBackend('headlessgl')).to.throw(/^gpu\.js headlessgl: headless-gl is not available/);
  });
});

/**
 * The original's network (small) and Adam, from one seed, on the backend in use: `step(images)` trains on a batch.
 * Adam's step is lr·m/(√v + ε): with ε = 1e-8 a gradient at rounding level (the dense bias's, zero in exact
 * arithmetic: the loss only sees distances) moves by ±lr whichever its sign, so two correct backends differ by
 * 2·lr there. A larger ε makes such steps ∝ g, and comparisons well-conditioned.
 */
function trainer(batch: number, channels: number, strategy: Params['triplet_strategy'] = 'batch_all') {
  const rng = new Rng(7);
  const net = new EmbeddingNet({ imageSize: 28, numChannels: channels, embeddingSize: 16 }, rng);
  const adam = new Adam(net.namedParameters(), { lr: 1e-2, epsilon: 1e-3 });
  const params = { ...defaultParams(), margin: 0.5, triplet_strategy: strategy };
  const arena = stepArena();
  // as the trainer's step: the loss, the backward pass, the logged scalars fetched, the finite check, Adam
  const step = (images: Tensor): number =>
    arena.step(() => {
      adam.zeroGrad();
      const labels = Int32Array.from({ length: batch }, (_, i) => i % 4); // a new batch's labels
      const { loss, logged, stats } = tripletLoss(params, labels, net.forward(images));
      loss.backward();
      getBackend().fetch?.(logged);
      const { loss: value } = stats();
      expect(getBackend().firstNonFinite(net.parameters().map((p) => p.grad!.storage))).to.equal(-1);
      adam.step();
      return value;
    });
  const images = (): Tensor => randn([batch, 28, 28, 1], rng, { mean: 0.3, std: 0.3 });
  return { net, step, images };
}

/** `steps` steps on new batches: the losses, and the weights after them. */
function train(
  steps: number,
  batch: number,
  channels: number,
  strategy: Params['triplet_strategy'] = 'batch_all',
): { losses: number[]; weights: Float32Array[] } {
  const { net, step, images } = trainer(batch, channels, strategy);
  const losses = Array.from({ length: steps }, () => step(images()));
  return { losses, weights: net.namedParameters().map(([, p]) => Float32Array.from(p.data)) };
}

describe('gpu backend: a training step on the device (WebGPU)', () => {
  after(() => setBackend('js'));

  for (const strategy of ['batch_all', 'batch_hard', 'batch_semihard'] as const) {
    it(`trains 3 steps (${strategy}) as the reference backend does, from one seed: losses and weights to float32 tolerance`, () => {
      const reference = withBackend('reference', () => train(3, 12, 8, strategy));
      setBackend('gpu', { gpuMode: 'webgpu' });
      const ours = train(3, 12, 8, strategy);
      ours.losses.forEach((loss, i) => expect(loss, `loss ${i}`).to.be.closeTo(reference.losses[i], 1e-4));
      ours.weights.forEach((w, i) => {
        // relative to the parameter's largest value, or to one step (the dense bias stays at rounding level)
        const scale = Math.max(1e-2, ...reference.weights[i].map(Math.abs));
        const worst = Math.max(...w.map((v, j) => Math.abs(v - reference.weights[i][j])));
        expect(worst / scale, `parameter ${i}`).to.be.below(1e-4);
      });
    });
  }

  for (const strategy of ['batch_all', 'batch_hard', 'batch_semihard'] as const) {
    it(`keeps the whole step on the device (${strategy}): ≤ 2 uploads of ≤ 1.5× the batch, ≤ 2 readbacks of ≤ 10 KB`, () => {
      const backend = setBackend('gpu', { gpuMode: 'webgpu' }) as GpuBackend;
      const { net, step, images } = trainer(32, 8, strategy);
      const batch = images();
      const traffic = (): DeviceTraffic => {
        const before = backend.traffic();
        step(images()); // a new batch each step, as the trainer's
        backend.implementations(); // an answer after the step's last kernel: its compiles are counted
        return trafficBetween(before, backend.traffic());
      };
      const weightBytes = 4 * net.namedParameters().reduce((sum, [, p]) => sum + p.size, 0);
      const first = traffic(); // uploads the weights and the moments
      expect(first.uploadBytes).to.be.above(weightBytes);
      const second = traffic();
      const batchBytes = 4 * batch.size;
      // up: the images (read by the first convolution and its filter gradient) and the labels (by the loss and
      // the masks); down: the logged scalars together, then the finite check's flags — the rest stays there
      expect(second.uploads, 'uploads').to.be.at.most(2);
      expect(second.uploadBytes, 'bytes up').to.be.at.most(1.5 * batchBytes);
      expect(second.readbacks, 'readbacks').to.be.at.most(2);
      expect(second.readbackBytes, 'bytes down').to.be.at.most(10_000);
      // and every kernel of the step (~80 with their shapes) stays compiled: the next step compiles none
      expect(second.compiles, 'kernels compiled in the second step').to.equal(0);
    });
  }

  it('never runs a kernel on gpu.js’s CPU fallback when WebGPU was asked for', () => {
    const backend = setBackend('gpu', { gpuMode: 'webgpu' }) as GpuBackend;
    train(1, 8, 4);
    const implementations = backend.implementations();
    // the network's kernels, the distances' elementwise ops and reductions, the loss, the check and the fetch
    expect(Object.keys(implementations)).to.include.members([
      'conv2dKernel',
      'conv2dFilterGradKernel',
      'adamThetaKernel',
      'zip(a * b)',
      'map(Math.sqrt(a))',
      'reduce(sum)',
      'strided',
      'diagMatrixKernel',
      'batchAllPartsKernel',
      'batchAllSlopeKernel',
      'finiteFlagKernel',
      'packKernel',
    ]);
    for (const [kernel, implementation] of Object.entries(implementations))
      expect(implementation, kernel).to.equal('WebGPUKernel');
  });

  it('names the adapter, the API it runs through, and a software rasteriser as such', () => {
    expect(
      adapterDescription({ vendor: 'nvidia', device: 'NVIDIA H200', description: 'NVIDIA 560.35' }, 'Vulkan'),
    ).to.equal('WebGPU adapter: nvidia NVIDIA H200 (NVIDIA 560.35) through Vulkan');
    expect(adapterDescription({ device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, 'OpenGL')).to.equal(
      'WebGPU adapter: llvmpipe (LLVM 15.0.6, 256 bits) through OpenGL, software rasteriser',
    );
    expect(createGpuBackend('webgpu').description).to.match(/^WebGPU adapter: .* through (Vulkan|OpenGL|Metal|D3D12)/);
  });
});
