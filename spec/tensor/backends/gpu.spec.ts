import { expect } from 'chai';
import { createGpuBackend, GpuBackend } from '../../../lib/tensor/backends';
import { checkBackendAgainstReference } from '../../support/backend-checks';

// gpu.js computes in float32 (WebGPU and GL have no float64), so float64 inputs are rounded: compare at 1e-4.
const TOLERANCE = { float32: 1e-4, float64: 1e-4 };

for (const mode of ['cpu', 'webasm', 'webgpu']) {
  checkBackendAgainstReference(`gpu backend, gpu.js '${mode}' mode`, () => createGpuBackend(mode), ['float32'], TOLERANCE);
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
    expect(() => createGpuBackend('cuda')).to.throw("unknown gpu mode 'cuda' (known: auto, webgpu, headlessgl, webasm, cpu)");
    expect(() => createGpuBackend('headlessgl')).to.throw(/^gpu\.js headlessgl: headless-gl is not available/);
  });
});
