import { expect } from 'chai';
import { createGpuBackend, GpuBackend } from '../../../lib/tensor/backends';
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
