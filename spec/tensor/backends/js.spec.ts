import { expect } from 'chai';
import { createJsBackend, Rng } from '../../../lib';
import { windowGeometry } from '../../../lib/tensor/kernels/conv';
import { ndarray } from '../../../lib/tensor/ndarray';
import { checkBackendAgainstReference, random } from '../../support/backend-checks';

checkBackendAgainstReference('js backend, 1 thread', () => createJsBackend(1), ['float64', 'float32'], {
  float64: 1e-12,
  float32: 1e-5,
});
checkBackendAgainstReference('js backend, 2 threads', () => createJsBackend(2), ['float64', 'float32'], {
  float64: 1e-12,
  float32: 1e-5,
});
// the other kernels a machine may run: Winograd F(2×2, 3×3), and multiply-then-add where relaxed SIMD is missing
checkBackendAgainstReference(
  'js backend, F(2×2, 3×3), no fused multiply-add',
  () => createJsBackend(2, { winogradTile: 2, fma: false }),
  ['float32'],
  { float64: 1e-12, float32: 2e-6 },
  { modelShapes: false },
);

/**
 * A module of one function `() → v128` whose body is `code`, assembled here byte by byte (independently of the
 * backend's own emitter and detection): magic and version, a type section, a function section, a code section.
 */
function v128Function(code: number[]): Uint8Array {
  const body = [0, ...code, 11]; // no locals, the instructions, end
  const header = [0, 97, 115, 109, 1, 0, 0, 0];
  const types = [1, 5, 1, 96, 0, 1, 123]; // one type: () → v128
  const functions = [3, 2, 1, 0];
  return Uint8Array.from([...header, ...types, ...functions, 10, body.length + 2, 1, body.length, ...body]);
}

const V128_ZERO = [253, 12, ...new Array<number>(16).fill(0)]; // v128.const 0
const SIMD_MODULE = v128Function(V128_ZERO);
// v128.const 0 three times, then f32x4.relaxed_madd (0xfd 0x85 0x02)
const RELAXED_MODULE = v128Function([...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 253, 133, 2]);

describe('js backend: which kernels run', () => {
  it('runs the WebAssembly SIMD kernels where they compile, with the fused multiply-add where relaxed SIMD does — never silently the TypeScript loops', () => {
    const backend = createJsBackend(1);
    // (the backend turns relaxed SIMD on where Node keeps it behind a flag, before this validates)
    const expected = WebAssembly.validate(RELAXED_MODULE)
      ? 'wasm-simd-fma'
      : WebAssembly.validate(SIMD_MODULE)
        ? 'wasm-simd'
        : 'typescript';
    expect(WebAssembly.validate(SIMD_MODULE), 'this machine runs WebAssembly SIMD').to.equal(true);
    expect(backend.kernel).to.equal(expected);
    expect(backend.simd).to.equal(true);
    expect(createJsBackend(1, { fma: false }).kernel).to.equal('wasm-simd');
    expect(backend.describe!()).to.match(/^js \(1 thread, WebAssembly SIMD/);
  });
});

describe('js backend: threads', () => {
  it('really runs tasks on its workers (a worker that failed to start would leave every task to the main thread)', async () => {
    const backend = createJsBackend(2);
    const rng = new Rng(7);
    const [a, b] = [random([256, 256], rng, 'float32'), random([256, 256], rng, 'float32')];
    const deadline = Date.now() + 20_000;
    // a worker loads in ~0.1 s; until then the main thread claims every task itself
    while (backend.tasksByThread()[1] === 0 && Date.now() < deadline) {
      backend.matmul(a, b, false, false);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [main, worker] = backend.tasksByThread();
    expect(worker, `tasks: main ${main}, worker ${worker}`).to.be.above(0);
    expect(backend.startError).to.equal(null);
  });

  it('gives bit-identical results with 1, 2 and 3 threads: tasks are cut by shape, claimed by whichever thread is free', () => {
    const rng = new Rng(5);
    const x = random([24, 12, 12, 8], rng, 'float32');
    const dy = random([24, 12, 12, 16], rng, 'float32');
    const w = random([3, 3, 8, 16], rng, 'float32');
    const a = random([200, 128], rng, 'float32');
    const b = random([128, 48], rng, 'float32');
    const g = windowGeometry(x.shape, { kernel: 3, stride: 1, padding: 'same' }, 16, 'spec');
    const pool = windowGeometry(x.shape, { kernel: 2, stride: 2, padding: 'valid' }, 8, 'spec');
    // filters enough for their Winograd transforms to be cut over the threads too, and an Adam update as large
    const wide = random([2, 4, 4, 64], rng, 'float32');
    const wideW = random([3, 3, 64, 128], rng, 'float32');
    const wideDy = random([2, 4, 4, 128], rng, 'float32');
    const wideG = windowGeometry(wide.shape, { kernel: 3, stride: 1, padding: 'same' }, 128, 'spec');
    const adam = [0, 1, 2, 3].map(() => random([50_003], rng, 'float32').data);
    adam[3].forEach((x, i) => (adam[3][i] = x * x));
    const results = [1, 2, 3].map((threads) => {
      const backend = createJsBackend(threads);
      const wideGrads = backend.conv2dBackward({
        x: wide,
        w: wideW,
        dy: wideDy,
        g: wideG,
        relu: null,
        input: true,
        filter: true,
        bias: true,
      });
      const [theta, grad, m, v] = adam.map((a) => a.slice());
      backend.adamUpdate({ theta, grad, m, v, beta1: 0.9, beta2: 0.999, lrT: 1e-3, epsilon: 1e-8 });
      const grads = backend.conv2dBackward({ x, w, dy, g, relu: null, input: true, filter: true, bias: true });
      const convPool = windowGeometry(dy.shape, { kernel: 2, stride: 2, padding: 'valid' }, 16, 'spec');
      const pooled = backend.conv2dPool(x, w, g, { bias: null, relu: true }, convPool);
      const dPooled = random([...pooled.y.shape], new Rng(8), 'float32');
      const through = backend.conv2dBackward({
        x,
        w,
        dy: dPooled,
        g,
        relu: null,
        pooled: { ...pooled, g: convPool, relu: true },
        input: true,
        filter: true,
        bias: true,
      });
      const outputs = [
        backend.conv2d(x, w, g),
        grads.dx!,
        grads.dw!,
        grads.db!,
        pooled.y,
        through.dx!,
        through.dw!,
        through.db!,
        backend.matmul(a, b, false, false),
        backend.maxPool2d(x, pool).y,
        backend.conv2d(wide, wideW, wideG),
        wideGrads.dx!,
        wideGrads.dw!,
        ndarray(theta, [theta.length]),
        ndarray(m, [m.length]),
        ndarray(v, [v.length]),
      ];
      return outputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    });
    for (const threads of [1, 2]) {
      results[threads].forEach((bytes, i) =>
        expect(bytes.equals(results[0][i]), `${threads + 1} threads, output ${i}`).to.equal(true),
      );
    }
  });

  it('runs thousands of back-to-back jobs without mixing them up', () => {
    const backend = createJsBackend(2);
    const rng = new Rng(6);
    const shapes = [
      [128, 96, 96],
      [96, 128, 96],
      [160, 80, 96],
    ]; // each over the 2 MFLOP that makes a job parallel
    const inputs = shapes.map(([m, k, n]) => [random([m, k], rng, 'float32'), random([k, n], rng, 'float32')]);
    const expected = inputs.map(([a, b]) => createJsBackend(1).matmul(a, b, false, false).data);
    for (let round = 0; round < 1000; round++) {
      const i = round % 3;
      const product = backend.matmul(inputs[i][0], inputs[i][1], false, false).data;
      if (!Buffer.from(product.buffer).equals(Buffer.from(expected[i].buffer)))
        expect.fail(`round ${round}: shape ${shapes[i]} differs`);
    }
  });

  it('splits work over two threads and gives bit-identical results run after run', () => {
    const backend = createJsBackend(2);
    const rng = new Rng(3);
    const x = random([16, 14, 14, 8], rng, 'float32');
    const dy = random([16, 14, 14, 16], rng, 'float32');
    const g = windowGeometry(x.shape, { kernel: 3, stride: 1, padding: 'same' }, 16, 'spec');
    const filterGrad = () =>
      backend.conv2dBackward({
        x,
        w: random([3, 3, 8, 16], rng, 'float32'),
        dy,
        g,
        relu: null,
        input: false,
        filter: true,
        bias: false,
      }).dw!;
    const first = filterGrad();
    const second = filterGrad();
    expect(Buffer.from(first.data.buffer).equals(Buffer.from(second.data.buffer))).to.equal(true);
    expect(backend.threads).to.equal(2);
    expect((backend as ReturnType<typeof createJsBackend>).startError).to.equal(null);
  });
});
