/** The kernel-equivalence suite every backend runs: each kernel against the reference, on odd and model shapes. */
import { expect } from 'chai';
import { Backend, DType, NDArray, Rng } from '../../lib';
import { referenceBackend } from '../../lib/tensor/backends';
import { aroundKernels, KERNEL_NAMES, KernelName } from '../../lib/tensor/backend';
import { applyEpilogue, Conv2dGrads, ConvGeometry, Padding, windowGeometry } from '../../lib/tensor/kernels/conv';
import { ndarray } from '../../lib/tensor/ndarray';
import { hostValues } from '../../lib/tensor/device-copies';
import { checkArrayOps } from './array-op-checks';

/** Random values from the library's Rng in a dtype (the reference is exact in float64). */
export function random(shape: number[], rng: Rng, dtype: DType): NDArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  rng.fillNormal(data);
  return ndarray(data, shape);
}

/** max |a − e| / max(1, max |e|): relative to the scale of the result, as kernels sum many terms. */
function relativeError(actual: NDArray, expected: NDArray): number {
  expect(actual.shape).to.deep.equal(expected.shape);
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    scale = Math.max(scale, Math.abs(expected.data[i]));
    worst = Math.max(worst, Math.abs(actual.data[i] - expected.data[i]));
  }
  return worst / scale;
}

export interface ConvCase {
  x: number[];
  k: number;
  outC: number;
  stride: number;
  padding: Padding;
}

/** Odd sizes (1, 3, 7, 33, 65), strides and paddings, and the model's real shapes at batch 64. */
export const MATMUL_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 7, 1],
  [7, 33, 3],
  [33, 65, 7],
  [65, 3, 33],
  [5, 300, 9],
  [64, 3136, 64],
  [300, 64, 70],
];
/** Past the js GEMM's block sizes: k > KC (256), rows > MC (128), columns > NC (1024; the dense layer's input gradient). */
export const BLOCK_SHAPES: Array<[number, number, number]> = [
  [64, 64, 3136],
  [130, 520, 1030],
  [257, 9, 20],
];
/**
 * Convolutions for every path of the fast backends: general (odd channels, strides, 1×1 and 5×5 filters), few
 * input channels (the first layer; 36 output channels = a block of 32 and one of 4), Winograd (3×3, stride 1,
 * channels in multiples of 8: image sides not multiples of the tile, 1×1 images, 'valid'), and the model's shapes.
 */
export const CONV_CASES: ConvCase[] = [
  { x: [1, 7, 7, 1], k: 3, outC: 1, stride: 1, padding: 'same' },
  { x: [3, 7, 5, 3], k: 3, outC: 7, stride: 1, padding: 'same' },
  { x: [2, 9, 9, 3], k: 3, outC: 5, stride: 2, padding: 'same' },
  { x: [2, 9, 8, 2], k: 3, outC: 33, stride: 2, padding: 'valid' },
  { x: [2, 6, 6, 65], k: 1, outC: 3, stride: 1, padding: 'valid' },
  { x: [5, 12, 12, 4], k: 5, outC: 6, stride: 3, padding: 'same' },
  { x: [3, 7, 5, 1], k: 3, outC: 36, stride: 1, padding: 'same' },
  { x: [3, 9, 7, 1], k: 3, outC: 16, stride: 1, padding: 'same' },
  { x: [2, 8, 8, 3], k: 3, outC: 8, stride: 1, padding: 'valid' },
  { x: [2, 9, 9, 3], k: 3, outC: 8, stride: 2, padding: 'valid' },
  { x: [3, 7, 5, 8], k: 3, outC: 16, stride: 1, padding: 'same' },
  { x: [2, 9, 11, 16], k: 3, outC: 8, stride: 1, padding: 'valid' },
  { x: [2, 1, 1, 8], k: 3, outC: 8, stride: 1, padding: 'same' },
  { x: [17, 6, 6, 24], k: 3, outC: 40, stride: 1, padding: 'same' },
  { x: [64, 28, 28, 1], k: 3, outC: 32, stride: 1, padding: 'same' },
  { x: [64, 14, 14, 32], k: 3, outC: 64, stride: 1, padding: 'same' },
];

/** Inputs and reference outputs per case and dtype, computed once and shared by every backend's suite. */
const memo = new Map<string, unknown>();
function once<T>(key: string, make: () => T): T {
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key) as T;
}

/** x with the top-left quarter of every image zero. */
function zeroCorner(x: NDArray): NDArray {
  const [n, h, w, c] = x.shape;
  for (let i = 0; i < n; i++)
    for (let r = 0; r < h / 2; r++) x.data.fill(0, (i * h + r) * w * c, ((i * h + r) * w + Math.floor(w / 2)) * c);
  return x;
}

/** Where the reference is exactly 0, ours must be too. */
function zerosKept(ours: NDArray, reference: NDArray): number {
  let broken = 0;
  for (let i = 0; i < reference.data.length; i++) if (reference.data[i] === 0 && ours.data[i] !== 0) broken++;
  return broken;
}

/** Each gradient the reference gives (null where not asked) matched by ours. */
function expectGrads(ours: Conv2dGrads, reference: Conv2dGrads, label: string, tol: number): void {
  for (const key of ['dx', 'dw', 'db'] as const) {
    const what = `${key} ${label}`;
    if (reference[key] === null) expect(ours[key], what).to.equal(null);
    else expect(relativeError(ours[key]!, reference[key]!), what).to.be.below(tol);
  }
}

/** The three ways a layer asks for gradients: everything; no input gradient (the first layer); the input's alone. */
const ASKED = [
  { input: true, filter: true, bias: true },
  { input: false, filter: true, bias: true },
  { input: true, filter: false, bias: false },
];

function convData(c: ConvCase, dtype: DType) {
  return once(`conv ${JSON.stringify(c)} ${dtype}`, () => {
    const rng = new Rng(2);
    const g: ConvGeometry = windowGeometry(c.x, { kernel: c.k, stride: c.stride, padding: c.padding }, c.outC, 'spec');
    // a block of zeros in every image, as MNIST's black background: windows that hold only zeros must give
    // exactly 0 (a Winograd tile's rounding residue would pass through a ReLU there)
    const x = zeroCorner(random(c.x, rng, dtype));
    const w = random([c.k, c.k, c.x[3], c.outC], rng, dtype);
    const dy = random([g.batch, g.outH, g.outW, g.outC], rng, dtype);
    const bias = random([c.outC], rng, dtype);
    const fused = { bias, relu: true };
    // the reference loops take seconds on the model's shapes: the convolution once, its epilogue and pooling from it
    const forward = referenceBackend.conv2d(x, w, g);
    const y = ndarray(forward.data.slice(), forward.shape); // about half of it 0: the ReLU's mask for the backward pass
    applyEpilogue(forward.data, 0, y.data, fused);
    const side = Math.min(2, c.x[1], c.x[2]);
    const pool = windowGeometry(c.x, { kernel: side, stride: side, padding: 'valid' }, c.x[3], 'spec');
    const maxPool = referenceBackend.maxPool2d(x, pool);
    const poolDy = random(maxPool.y.shape as number[], rng, dtype);
    // the model's shapes cost seconds on the slowest backends: there, all gradients through the ReLU, and the
    // first layer's question (no input gradient) without it
    const asked = (relu: boolean) => (g.batch < 64 ? ASKED : [ASKED[relu ? 0 : 1]]);
    const backward = (relu: boolean) =>
      asked(relu).map((a) => ({
        asked: a,
        grads: referenceBackend.conv2dBackward({ x, w, dy, g, relu: relu ? y : null, ...a }),
      }));
    // the conv layer's output max-pooled 2×2 in the same pass, and its backward from the pooled gradient
    const fusedPool =
      g.outH >= 2 && g.outW >= 2
        ? windowGeometry([g.batch, g.outH, g.outW, g.outC], { kernel: 2, stride: 2, padding: 'valid' }, g.outC, 'spec')
        : null;
    const poolDyShape = fusedPool ? [fusedPool.batch, fusedPool.outH, fusedPool.outW, fusedPool.inC] : null;
    const convPoolDy = poolDyShape ? random(poolDyShape, rng, dtype) : null;
    // with the ReLU before the pooling, and without it (every window's winner then passes its gradient, whatever
    // its sign); the model's shapes with the ReLU alone, all gradients asked
    const biased = ndarray(forward.data.slice(), forward.shape);
    applyEpilogue(forward.data, 0, biased.data, { bias, relu: false });
    const layers = [
      { epilogue: fused, output: y, asked: ASKED.slice(0, g.batch < 64 ? 3 : 1) },
      ...(g.batch < 64 ? [{ epilogue: { bias, relu: false }, output: biased, asked: [ASKED[0]] }] : []),
    ];
    const pooledLayers = !fusedPool
      ? []
      : layers.map(({ epilogue, output, asked }) => {
          const pooled = referenceBackend.maxPool2d(output, fusedPool); // = conv2dPool, from the conv's output
          const through = { ...pooled, g: fusedPool, relu: epilogue.relu };
          return {
            epilogue,
            pooled,
            backward: asked.map((a) => ({
              asked: a,
              grads: referenceBackend.conv2dBackward({ x, w, dy: convPoolDy!, g, relu: null, pooled: through, ...a }),
            })),
          };
        });
    return {
      g,
      x,
      w,
      dy,
      y,
      fused,
      pool,
      maxPool,
      poolDy,
      fusedPool,
      convPoolDy,
      pooledLayers,
      forward,
      backward: { plain: backward(false), relu: backward(true) },
      poolGrad: referenceBackend.maxPool2dGrad(poolDy, maxPool.argmax, pool),
    };
  });
}

function matmulData(dtype: DType, shapes: Array<[number, number, number]>) {
  return once(`matmul ${dtype} ${shapes.length}`, () => {
    const rng = new Rng(1);
    return shapes.flatMap(([m, k, n]) =>
      [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ].map(([ta, tb]) => {
        const a = random(ta ? [k, m] : [m, k], rng, dtype);
        const b = random(tb ? [n, k] : [k, n], rng, dtype);
        return {
          label: `[${m},${k}]x[${k},${n}] transA=${ta} transB=${tb}`,
          a,
          b,
          ta,
          tb,
          expected: referenceBackend.matmul(a, b, ta, tb),
        };
      }),
    );
  });
}

/**
 * `modelShapes: false` leaves out the model's batch-64 convolutions (for gpu.js's CPU fallbacks, which take a
 * minute on them), 'forward' checks only their forward pass; `blockShapes: false` leaves out the products past the
 * js GEMM's blocks.
 */
export function checkBackendAgainstReference(
  label: string,
  make: () => Backend,
  dtypes: DType[],
  tolerance: Record<DType, number>,
  options: { modelShapes?: boolean | 'forward'; blockShapes?: boolean } = {},
): void {
  describe(`${label}: every kernel equals the reference`, () => {
    let backend: Backend;
    // every kernel call is counted, so that the last check can say none of the interface went untested
    const exercised = new Set<KernelName>();
    before(() => (backend = aroundKernels(make(), (name, _args, call) => (exercised.add(name), call()))));

    for (const dtype of dtypes) {
      const tol = tolerance[dtype];
      it(`matmul, all transposes, odd and model shapes, across the block sizes (${dtype})`, () => {
        const shapes = options.blockShapes === false ? MATMUL_SHAPES : [...MATMUL_SHAPES, ...BLOCK_SHAPES];
        for (const { label: what, a, b, ta, tb, expected } of matmulData(dtype, shapes)) {
          expect(relativeError(backend.matmul(a, b, ta, tb), expected), what).to.be.below(tol);
        }
      });

      checkArrayOps(() => backend, dtype, tol);

      it(`Adam's update and the finite check, against the reference loops (${dtype})`, () => {
        const rng = new Rng(4);
        // the dense layer's weights (3136 × 64, and 3 more) are cut into tasks over the threads
        for (const size of [1, 7, 64, 1027, 3136 * 64 + 3]) {
          const [theta, grad, m, v] = [0, 1, 2, 3].map(() => random([size], rng, dtype).data);
          v.forEach((x, i) => (v[i] = x * x)); // a second moment is never negative
          const constants = { beta1: 0.9, beta2: 0.999, lrT: 3e-4, epsilon: 1e-8 };
          const expected = [theta, m, v].map((a) => a.slice());
          referenceBackend.adamUpdate({ theta: expected[0], grad, m: expected[1], v: expected[2], ...constants });
          backend.adamUpdate({ theta, grad, m, v, ...constants });
          [theta, m, v].forEach((ours, k) =>
            expect(
              relativeError(ndarray(hostValues(ours), [size]), ndarray(expected[k], [size])),
              `size ${size}, array ${k}`,
            ).to.be.below(tol),
          );
          // the finite check answers for many arrays at once: the index of the first with a NaN or an infinity
          const others = [random([3], rng, dtype).data, random([2048 + 5], rng, dtype).data];
          expect(backend.firstNonFinite([grad]), `size ${size} finite`).to.equal(-1);
          expect(backend.firstNonFinite([...others, new Float32Array(0), grad]), `size ${size} among others`).to.equal(
            -1,
          );
          for (const bad of [NaN, Infinity, -Infinity]) {
            const broken = grad.slice();
            broken[size - 1] = bad;
            expect(backend.firstNonFinite([broken]), `size ${size} with ${bad} last`).to.equal(0);
            expect(backend.firstNonFinite([others[0], broken, others[1], broken]), `${bad}: the first`).to.equal(1);
            broken[size - 1] = grad[size - 1];
            broken[0] = bad;
            expect(backend.firstNonFinite([...others, broken]), `size ${size} with ${bad} first`).to.equal(2);
          }
        }
      });

      // the model's real shapes (batch 64) cost seconds on the reference loops: one dtype is enough for them
      for (const c of CONV_CASES.filter(
        (cc) => cc.x[0] < 64 || (dtype === 'float32' && options.modelShapes !== false),
      )) {
        it(`conv2d forward (also max-pooled) and backward, max-pool and its gradient: [${c.x}] ${c.k}×${c.k}→${c.outC} stride ${c.stride} ${c.padding} (${dtype})`, () => {
          const d = convData(c, dtype);
          const forward = backend.conv2d(d.x, d.w, d.g);
          expect(relativeError(forward, d.forward), 'forward').to.be.below(tol);
          expect(zerosKept(forward, d.forward), 'outputs of all-zero windows that are not exactly 0').to.equal(0);
          const fused = backend.conv2d(d.x, d.w, d.g, d.fused);
          expect(relativeError(fused, d.y), 'forward + bias + relu').to.be.below(tol);
          if (c.x[0] >= 64 && options.modelShapes === 'forward') return;
          for (const [through, cases] of Object.entries(d.backward)) {
            for (const { asked, grads } of cases) {
              const ours = backend.conv2dBackward({
                x: d.x,
                w: d.w,
                dy: d.dy,
                g: d.g,
                relu: through === 'relu' ? d.y : null,
                ...asked,
              });
              expectGrads(ours, grads, `(${through}, asked ${JSON.stringify(asked)})`, tol);
            }
          }
          for (const layer of d.pooledLayers) {
            const relu = layer.epilogue.relu ? 'relu' : 'no relu';
            const ours = backend.conv2dPool(d.x, d.w, d.g, layer.epilogue, d.fusedPool!);
            expect(relativeError(ours.y, layer.pooled.y), `conv + bias + ${relu} + max-pool`).to.be.below(tol);
            for (const { asked, grads } of layer.backward) {
              const back = backend.conv2dBackward({
                x: d.x,
                w: d.w,
                dy: d.convPoolDy!,
                g: d.g,
                relu: null,
                pooled: { ...ours, g: d.fusedPool!, relu: layer.epilogue.relu },
                ...asked,
              });
              expectGrads(back, grads, `through the fused pool, ${relu} (asked ${JSON.stringify(asked)})`, tol);
            }
          }
          const pooled = backend.maxPool2d(d.x, d.pool);
          expect(relativeError(pooled.y, d.maxPool.y), 'max-pool').to.equal(0);
          expect(Array.from(hostValues(pooled.argmax))).to.deep.equal(Array.from(d.maxPool.argmax));
          expect(
            relativeError(backend.maxPool2dGrad(d.poolDy, d.maxPool.argmax, d.pool), d.poolGrad),
            'max-pool gradient',
          ).to.equal(0);
        });
      }
    }

    it('has held every kernel of the interface to the reference', () => {
      expect(
        KERNEL_NAMES.filter((name) => !exercised.has(name)),
        'kernels no check called',
      ).to.deep.equal([]);
    });
  });
}
