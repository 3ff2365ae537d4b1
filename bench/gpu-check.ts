import * as fs from 'node:fs';
import * as os from 'node:os';
import { Adam, EmbeddingNet, randn, Rng, stepArena } from '../lib';
import { defaultParams, tripletLoss } from '../lib/train';
import { aroundKernels, Backend, useBackend } from '../lib/tensor/backend';
import { createGpuBackend, createJsBackend, GpuBackend } from '../lib/tensor/backends';
import { NETWORK } from './fixture';
import { measure } from './measure';

/**
 * The gpu backend on a real GPU (bench/gpu-check.sh runs this after the gpu specs): refuses to measure a software
 * rasteriser, then times training of the original's network at batch 64 and 256 on gpu and on js (every core),
 * each gpu kernel alone (posted, then waited for), and an empty round trip; writes the figures as JSON.
 * `node dist/bench/gpu-check.js OUT.json [--adapter-only] [--any-adapter]` (--adapter-only: check the adapter and
 * stop; --any-adapter: measure whatever adapter there is, to try the script without a GPU).
 */

interface TrainingFigure {
  backend: string;
  batch: number;
  imagesPerSecond: number;
}

/**
 * Images per second of training steps on `backend`, as the trainer's: a new batch (its images and labels go up),
 * forward, batch-all loss, backward, the logged scalars fetched, the finite check, Adam.
 */
function trainingRate(backend: Backend, batch: number, steps: number): number {
  useBackend(backend);
  const rng = new Rng(230);
  const net = new EmbeddingNet(NETWORK, rng);
  const adam = new Adam(net.namedParameters(), { lr: 1e-3 });
  const params = { ...defaultParams(), margin: 0.5 };
  const arena = stepArena();
  const step = (): number =>
    arena.step(() => {
      adam.zeroGrad();
      const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
      const images = randn([batch, 28, 28, 1], rng, { mean: 0.3, std: 0.3 });
      const { loss, logged, stats } = tripletLoss(params, labels, net.forward(images));
      loss.backward();
      backend.fetch?.(logged); // waits for the step's device work
      const finite = backend.firstNonFinite(net.parameters().map((p) => p.grad!.storage)) === -1;
      adam.step();
      return finite ? stats().loss : NaN;
    });
  step();
  step(); // compiles every kernel, uploads the weights
  const seconds = measure(() => Array.from({ length: steps }, step), { maxRuns: 3, minSeconds: 0 }).seconds;
  return (batch * steps) / seconds;
}

/** The median milliseconds of each gpu kernel (by kernel and shape), each waited for alone, over training steps. */
function kernelMedians(gpu: GpuBackend, batch: number): Record<string, number> {
  const times = new Map<string, number[]>();
  const timed = aroundKernels(gpu, (name, args, call) => {
    const start = performance.now();
    const result = call();
    gpu.implementations(); // a round trip behind everything posted: the kernel has run
    const first = args[0] as { shape?: number[]; x?: { shape: number[] } } | undefined;
    const shape = (first?.shape ?? first?.x?.shape)?.join('×') ?? '';
    const key = `${name} ${shape}`;
    times.set(key, [...(times.get(key) ?? []), performance.now() - start]);
    return result;
  });
  trainingRate(timed, batch, 3);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries([...times].map(([key, xs]) => [key, median(xs)]));
}

function main([out = 'gpu-check.json', ...flags]: string[]): void {
  const gpu = createGpuBackend('webgpu');
  console.log(gpu.description);
  const real = /nvidia/i.test(gpu.description) && / through Vulkan/.test(gpu.description);
  if (!real && !flags.includes('--any-adapter')) {
    console.error(`gpu-check: not an NVIDIA GPU through Vulkan (${gpu.description}); stopping`);
    process.exit(3);
  }
  if (flags.includes('--adapter-only')) process.exit(0);
  const steps = real ? 20 : 1;
  const js = createJsBackend(os.availableParallelism());
  const training: TrainingFigure[] = [];
  for (const batch of [64, 256]) {
    for (const [name, backend] of [
      ['gpu', gpu],
      [`js ${js.threads} threads`, js],
    ] as const) {
      const imagesPerSecond = trainingRate(backend, batch, steps);
      training.push({ backend: name, batch, imagesPerSecond });
      console.log(`training, batch ${batch}, ${name}: ${imagesPerSecond.toFixed(0)} img/s`);
    }
  }
  // a new array each time: an upload is kept while its array is left alone
  const roundTrip = (): number => gpu.firstNonFinite([new Float32Array(1)]);
  const roundTripMs = measure(roundTrip, { maxRuns: 21, minSeconds: 0 }).seconds * 1000;
  console.log(`an empty round trip (upload 4 bytes, two kernels, read 4 bytes): ${roundTripMs.toFixed(3)} ms`);
  const kernels = kernelMedians(gpu, 64);
  for (const [key, ms] of Object.entries(kernels)) console.log(`  ${key}: ${ms.toFixed(3)} ms`);
  const figures = {
    date: new Date().toISOString(),
    adapter: gpu.description,
    node: process.version,
    cpus: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.availableParallelism()}`,
    training,
    roundTripMs,
    kernelMedianMs: kernels,
  };
  fs.writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`wrote ${out}`);
  process.exit(0);
}

main(process.argv.slice(2));
