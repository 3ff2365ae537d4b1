import { expect } from 'chai';
import { createJsBackend, Rng } from '../../../lib';
import { windowGeometry } from '../../../lib/tensor/kernels/conv';
import { checkBackendAgainstReference, random } from '../../support/backend-checks';

checkBackendAgainstReference('js backend, 1 thread', () => createJsBackend(1), ['float64', 'float32'], { float64: 1e-12, float32: 1e-5 });
checkBackendAgainstReference('js backend, 2 threads', () => createJsBackend(2), ['float64', 'float32'], { float64: 1e-12, float32: 1e-5 });

describe('js backend: threads', () => {
  it('splits work over two threads and gives bit-identical results run after run', () => {
    const backend = createJsBackend(2);
    const rng = new Rng(3);
    const x = random([16, 14, 14, 8], rng, 'float32');
    const dy = random([16, 14, 14, 16], rng, 'float32');
    const g = windowGeometry(x.shape, { kernel: 3, stride: 1, padding: 'same' }, 16, 'spec');
    const first = backend.conv2dFilterGrad(x, dy, g);
    const second = backend.conv2dFilterGrad(x, dy, g);
    expect(Buffer.from(first.data.buffer).equals(Buffer.from(second.data.buffer))).to.equal(true);
    expect(backend.threads).to.equal(2);
    expect((backend as ReturnType<typeof createJsBackend>).startError).to.equal(null);
  });
});
