import { Backend } from '../lib/tensor/backend';
import { createGpuBackend, createJsBackend, referenceBackend } from '../lib/tensor/backends';
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

function random(shape: number[], rng: Rng): NDArray {
  const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
  rng.fillNormal(data);
  return ndarray(data, shape);
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
 * GFLOPS of every backend on the model's matmul and conv2d shapes (batch 64), and of the naive loop as the peer.
 * A multiply-add counts as 2 FLOP.
 */
export function benchmarkKernels(gpuModes: readonly string[] = ['cpu', 'webasm', 'webgpu'], withReference = true): KernelRow[] {
  const rng = new Rng(1);
  const all = contenders(gpuModes, withReference);
  const rows: KernelRow[] = [];
  const time = (fn: () => unknown, quick?: boolean): number => measure(fn, quick ? { maxRuns: 1, minSeconds: 0 } : {}).seconds;

  for (const [m, k, n] of [[12544, 288, 64], [64, 3136, 64], [64, 64, 3136], [512, 512, 512]]) {
    const a = random([m, k], rng);
    const b = random([k, n], rng);
    const flops = 2 * m * k * n;
    const gflops: Record<string, number> = { 'naive loop': flops / time(() => naiveMatmul(a, b)) / 1e9 };
    for (const c of all) gflops[c.name] = flops / time(() => c.backend.matmul(a, b, false, false), c.quick) / 1e9;
    rows.push({ kernel: 'matmul', shape: `${m}×${k}×${n}`, gflops });
  }

  const convs: Array<[string, ConvGeometry]> = [
    ['28×28×1 → 32', windowGeometry([64, 28, 28, 1], { kernel: 3, stride: 1, padding: 'same' }, 32, 'bench')],
    ['14×14×32 → 64', windowGeometry([64, 14, 14, 32], { kernel: 3, stride: 1, padding: 'same' }, 64, 'bench')],
  ];
  for (const [label, g] of convs) {
    const x = random([g.batch, g.inH, g.inW, g.inC], rng);
    const w = random([g.kH, g.kW, g.inC, g.outC], rng);
    const dy = random([g.batch, g.outH, g.outW, g.outC], rng);
    const flops = 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
    const kernels: Array<[string, (b: Backend) => unknown]> = [
      ['conv2d forward', (b) => b.conv2d(x, w, g)],
      ['conv2d backward, input', (b) => b.conv2dBackward({ x, w, dy, g, relu: null, input: true, filter: false, bias: false })],
      ['conv2d backward, filter', (b) => b.conv2dBackward({ x, w, dy, g, relu: null, input: false, filter: true, bias: false })],
    ];
    for (const [kernel, run] of kernels) {
      const gflops: Record<string, number> = {};
      for (const c of all) gflops[c.name] = flops / time(() => run(c.backend), c.quick) / 1e9;
      rows.push({ kernel, shape: `64 × ${label}`, gflops });
    }
  }
  return rows;
}

export function kernelTable(rows: readonly KernelRow[]): string {
  const names = Object.keys(rows.find((r) => 'naive loop' in r.gflops)!.gflops);
  const header = `| kernel | shape | ${names.join(' | ')} | js ÷ naive (1 thread) | threads speed-up |`;
  const lines = rows.map((r) => {
    const js1 = r.gflops['js 1 thread'];
    const jsN = Object.entries(r.gflops).find(([k]) => /^js \d+ threads$/.test(k))?.[1] ?? js1;
    const naive = r.gflops['naive loop'];
    const cells = names.map((n) => (r.gflops[n] === undefined ? '—' : r.gflops[n].toFixed(2)));
    return `| ${r.kernel} | ${r.shape} | ${cells.join(' | ')} | ${naive ? formatRatio(js1 / naive) : '—'} | ${formatRatio(jsN / js1)} |`;
  });
  return [header, `|${'---|'.repeat(names.length + 4)}`, ...lines].join('\n');
}
