import { ArrayArena } from '../lib/tensor/arena';
import { Backend } from '../lib/tensor/backend';
import { createGpuBackend, createJsBackend, referenceBackend } from '../lib/tensor/backends';
import { microKernelGflops } from '../lib/tensor/backends/js/micro';
import { ConvGeometry, windowGeometry } from '../lib/tensor/kernels/conv';
import { NDArray, ndarray } from '../lib/tensor/ndarray';
import { Rng } from '../lib/tensor/random';
import { formatRatio, measure } from './measure';

/** The peer every kernel is compared with, in the same run: the plain i-k-j loop a person writes first. */
function naiveMatmul(a: NDArray, b: NDArray): NDArray {
  const [m, k] = a.shape;
  const n = b.shape[1];
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a.data[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b.data[p * n + j];
    }
  }
  return ndarray(c, [m, n]);
}

export interface KernelRow {
  kernel: string;
  shape: string;
  gflops: Record<string, number>;
}

interface Contender {
  name: string;
  backend: Backend;
  /** The reference loops take seconds on the model's shapes: one timed run is enough to place them. */
  quick?: boolean;
}

function contenders(gpuModes: readonly string[], withReference: boolean): Contender[] {
  const list: Contender[] = [
    ...(withReference ? [{ name: 'reference', backend: referenceBackend, quick: true }] : []),
    { name: 'js 1 thread', backend: createJsBackend(1) },
    { name: `js ${createJsBackend().threads} threads`, backend: createJsBackend() },
  ];
  for (const mode of gpuModes) {
    try {
      list.push({ name: `gpu ${mode}`, backend: createGpuBackend(mode), quick: true });
    } catch (error) {
      console.error(`(gpu ${mode} skipped: ${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return list;
}

/**
 * GFLOPS of every backend on the model's matmul and conv2d shapes (batch 64), and of the naive loop as the peer;
 * then the js backend's register tile alone, on operands in L1. A multiply-add counts as 2 FLOP; a Winograd
 * convolution is credited with the direct method's FLOPs. Every backend's operands are where its kernels use
 * them in training (the js backend's shared memory, through a step's arena).
 */
export function benchmarkKernels(
  gpuModes: readonly string[] = ['cpu', 'webasm', 'webgpu'],
  withReference = true,
): KernelRow[] {
  const all = contenders(gpuModes, withReference);
  const rows: KernelRow[] = [];
  const time = (c: Contender, arena: ArrayArena, fn: () => unknown): number =>
    measure(() => arena.step(fn), c.quick ? { maxRuns: 1, minSeconds: 0 } : {}).seconds;
  const inputs = all.map((c) => ({ c, arena: new ArrayArena(c.backend.arrays), rng: new Rng(1) }));
  // Operands outlive the timed steps: made where the backend's kernels read them (as holdInBackend does).
  const resident = (c: Contender | null, kind: 'float32' | 'int32', size: number): Float32Array | Int32Array =>
    (c?.backend.arrays?.make(kind, size) as Float32Array | Int32Array | undefined) ??
    (kind === 'int32' ? new Int32Array(size) : new Float32Array(size));
  const random = (c: Contender | null, rng: Rng, shape: number[]): NDArray => {
    const data = resident(
      c,
      'float32',
      shape.reduce((x, y) => x * y, 1),
    ) as Float32Array;
    rng.fillNormal(data);
    return ndarray(data, shape);
  };

  for (const [m, k, n] of [
    [12544, 288, 64],
    [64, 3136, 64],
    [64, 64, 3136],
    [512, 512, 512],
  ]) {
    const flops = 2 * m * k * n;
    const plainRng = new Rng(1);
    const plain = [random(null, plainRng, [m, k]), random(null, plainRng, [k, n])];
    const gflops: Record<string, number> = {
      'naive loop': flops / measure(() => naiveMatmul(plain[0], plain[1])).seconds / 1e9,
    };
    for (const { c, arena, rng } of inputs) {
      const [a, b] = [random(c, rng, [m, k]), random(c, rng, [k, n])];
      gflops[c.name] = flops / time(c, arena, () => c.backend.matmul(a, b, false, false)) / 1e9;
    }
    rows.push({ kernel: 'matmul', shape: `${m}×${k}×${n}`, gflops });
  }

  const convs: Array<[string, ConvGeometry]> = [
    ['28×28×1 → 32', windowGeometry([64, 28, 28, 1], { kernel: 3, stride: 1, padding: 'same' }, 32, 'bench')],
    ['14×14×32 → 64', windowGeometry([64, 14, 14, 32], { kernel: 3, stride: 1, padding: 'same' }, 64, 'bench')],
  ];
  for (const [label, g] of convs) {
    const flops = 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
    const pool = windowGeometry(
      [g.batch, g.outH, g.outW, g.outC],
      { kernel: 2, stride: 2, padding: 'valid' },
      g.outC,
      'bench',
    );
    const perBackend = inputs.map(({ c, arena, rng }) => {
      const [x, w, bias] = [
        random(c, rng, [g.batch, g.inH, g.inW, g.inC]),
        random(c, rng, [g.kH, g.kW, g.inC, g.outC]),
        random(c, rng, [g.outC]),
      ];
      const epilogue = { bias, relu: true };
      const copy = <A extends Float32Array | Int32Array>(kind: 'float32' | 'int32', from: A): A => {
        const to = resident(c, kind, from.length) as A;
        to.set(from);
        return to;
      };
      const pooled = arena.step(
        () => c.backend.conv2dPool(x, w, g, epilogue, pool),
        [],
        (p) => ({ y: ndarray(copy('float32', p.y.data as Float32Array), p.y.shape), argmax: copy('int32', p.argmax) }),
      );
      const dy = random(c, rng, [...pooled.y.shape]);
      const through = { y: pooled.y, argmax: pooled.argmax, g: pool, relu: true };
      return { c, arena, x, w, epilogue, dy, through };
    });
    type Inputs = (typeof perBackend)[number];
    // the layer's backward pass through the fused pool, asked for the input gradient or the filter's and bias's
    const backward = (p: Inputs, input: boolean): unknown =>
      p.c.backend.conv2dBackward({
        x: p.x,
        w: p.w,
        dy: p.dy,
        g,
        relu: null,
        pooled: p.through,
        input,
        filter: !input,
        bias: !input,
      });
    const kernels: Array<[string, (p: Inputs) => unknown]> = [
      ['conv2d + bias + relu + max-pool', (p) => p.c.backend.conv2dPool(p.x, p.w, g, p.epilogue, pool)],
      ...(g.inC > 1
        ? [['conv2d backward, input', (p: Inputs) => backward(p, true)] as [string, (p: Inputs) => unknown]]
        : []),
      ['conv2d backward, filter + bias', (p) => backward(p, false)],
    ];
    for (const [kernel, run] of kernels) {
      const gflops: Record<string, number> = {};
      for (const p of perBackend) gflops[p.c.name] = flops / time(p.c, p.arena, () => run(p)) / 1e9;
      rows.push({ kernel, shape: `64 × ${label}`, gflops });
    }
  }
  rows.push({
    kernel: 'js register tile (4×8, k = 256, in L1)',
    shape: 'micro-kernel',
    gflops: { 'js 1 thread': microKernelGflops() },
  });
  return rows;
}

export function kernelTable(rows: readonly KernelRow[]): string {
  const names = Object.keys(rows.find((r) => 'naive loop' in r.gflops)!.gflops);
  const header = `| kernel | shape | ${names.join(' | ')} | js ÷ naive (1 thread) | threads speed-up |`;
  const lines = rows.map((r) => {
    const js1 = r.gflops['js 1 thread'];
    const jsN = Object.entries(r.gflops).find(([k]) => /^js \d+ threads$/.test(k))?.[1];
    const naive = r.gflops['naive loop'];
    const cells = names.map((n) => (r.gflops[n] === undefined ? '—' : r.gflops[n].toFixed(2)));
    return `| ${r.kernel} | ${r.shape} | ${cells.join(' | ')} | ${naive ? formatRatio(js1 / naive) : '—'} | ${jsN ? formatRatio(jsN / js1) : '—'} |`;
  });
  return [header, `|${'---|'.repeat(names.length + 4)}`, ...lines].join('\n');
}
