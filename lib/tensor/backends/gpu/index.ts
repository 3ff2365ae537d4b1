import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Backend, BackendUnavailable } from '../../backend';
import { DType } from '../../dtype';
import { allocate } from '../../arena';
import { ValueError } from '../../errors';
import { applyEpilogue, conv2dBackwardWith, ConvGeometry, Epilogue } from '../../kernels/conv';
import { adamUpdateReference, allFiniteReference } from '../../kernels/optim';
import { maxPool2dGradReference, PoolResult } from '../../kernels/pool';
import { NDArray, ndarray } from '../../ndarray';
import { GPU_MODES, GpuMode } from './gpujs';
import { GpuJob, KernelName, STATUS } from './protocol';

export interface GpuBackend extends Backend {
  readonly mode: GpuMode;
  /** What runs the kernels (the WebGPU adapter, …). */
  readonly description: string;
}

/** In 'auto' mode, the real GPU APIs in order of preference. */
const AUTO: GpuMode[] = ['webgpu', 'headlessgl'];
const INIT_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 600_000;

function geometryConstants(g: ConvGeometry): Record<string, number> {
  return { ...g };
}

/** A gpu.js worker in one mode, driven synchronously from this thread. */
class GpuWorker {
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly text = new Uint8Array(new SharedArrayBuffer(4096));
  private readonly worker: Worker;
  readonly description: string;

  constructor(readonly mode: GpuMode) {
    // Mesa's EGL needs a platform to start without a display; set from the main thread, where process.env writes
    // reach the real environment that Dawn's native code reads.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    this.worker = new Worker(path.join(__dirname, 'server.js'), {
      workerData: { mode, control: this.control.buffer, text: this.text.buffer },
    });
    this.worker.unref();
    const result = this.wait(INIT_TIMEOUT_MS, 'starting');
    if (result.status !== STATUS.done) {
      void this.worker.terminate();
      throw new BackendUnavailable(`gpu.js ${mode}: ${result.message}`);
    }
    this.description = result.message;
  }

  private wait(timeoutMs: number, what: string): { status: number; message: string } {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(this.control, 0) === STATUS.pending) {
      Atomics.wait(this.control, 0, STATUS.pending, 1000);
      if (Date.now() > deadline)
        return { status: STATUS.failed, message: `no answer after ${timeoutMs / 1000} s while ${what}` };
    }
    const message = Buffer.from(this.text.subarray(0, this.control[1])).toString('utf8');
    return { status: this.control[0], message };
  }

  run(kernel: KernelName, constants: Record<string, number>, outputLength: number, inputs: NDArray[]): Float32Array {
    const output = new SharedArrayBuffer(Math.max(4, outputLength * 4));
    const job: GpuJob = {
      kernel,
      constants,
      outputLength,
      inputs: inputs.map((t) => Float32Array.from(t.data)),
      output,
    };
    Atomics.store(this.control, 0, STATUS.pending);
    this.worker.postMessage(job);
    const result = this.wait(JOB_TIMEOUT_MS, `running ${kernel}`);
    if (result.status !== STATUS.done)
      throw new Error(`gpu backend (${this.mode}): ${kernel} failed: ${result.message}`);
    return new Float32Array(output, 0, outputLength);
  }
}

function toDType(values: Float32Array, dtype: DType, shape: number[]): NDArray {
  const data = allocate(dtype, values.length);
  data.set(values);
  return ndarray(data, shape);
}

function openWorker(mode: string): GpuWorker {
  if (mode !== 'auto' && !(GPU_MODES as readonly string[]).includes(mode)) {
    throw new ValueError(`unknown gpu mode '${mode}' (known: auto, ${GPU_MODES.join(', ')})`);
  }
  if (mode !== 'auto') return new GpuWorker(mode as GpuMode);
  const reasons: string[] = [];
  for (const candidate of AUTO) {
    try {
      return new GpuWorker(candidate);
    } catch (error) {
      reasons.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new BackendUnavailable(`no GPU API found (${reasons.join('; ')})`);
}

/**
 * gpu.js kernels for matmul, conv2d (forward and both gradients) and max-pool, in float32 (float64 inputs are
 * rounded). Modes: 'webgpu' (WGSL compute shaders), 'headlessgl' (GLSL), 'webasm' and 'cpu' (gpu.js's CPU
 * fallbacks), or 'auto' (the first real GPU API that starts). Meant for machines with a GPU; on a CPU the js
 * backend is faster.
 */
export function createGpuBackend(mode = 'auto'): GpuBackend {
  const worker = openWorker(mode);
  const conv2d = (x: NDArray, w: NDArray, g: ConvGeometry, epilogue?: Epilogue): NDArray => {
    const y = toDType(
      worker.run('conv2dKernel', geometryConstants(g), g.batch * g.outH * g.outW * g.outC, [x, w]),
      x.dtype,
      [g.batch, g.outH, g.outW, g.outC],
    );
    if (epilogue) applyEpilogue(y.data, 0, y.data, epilogue);
    return y;
  };
  const maxPool2d = (x: NDArray, g: ConvGeometry): PoolResult => {
    const shape = [g.batch, g.outH, g.outW, g.inC];
    const winners = worker.run('maxPoolArgmaxKernel', geometryConstants(g), g.batch * g.outH * g.outW * g.inC, [x]);
    const argmax = Int32Array.from(winners);
    const y = allocate(x.dtype, argmax.length);
    for (let i = 0; i < argmax.length; i++) y[i] = x.data[argmax[i]];
    return { y: ndarray(y, shape), argmax };
  };
  return {
    name: 'gpu',
    mode: worker.mode,
    description: worker.description,
    matmul(a, b, transA, transB) {
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const n = transB ? b.shape[0] : b.shape[1];
      // element (i, p) of op(A) sits at i·aRow + p·aCol; (p, j) of op(B) at p·bRow + j·bCol
      const strides = { aRow: transA ? 1 : k, aCol: transA ? m : 1, bRow: transB ? 1 : n, bCol: transB ? k : 1 };
      return toDType(worker.run('matmulKernel', { m, n, k, ...strides }, m * n, [a, b]), a.dtype, [m, n]);
    },
    conv2d,
    conv2dPool: (x, w, g, epilogue, pool) => maxPool2d(conv2d(x, w, g, epilogue), pool),
    // the ReLU's mask and the bias gradient on the host, the two products on the GPU
    conv2dBackward: conv2dBackwardWith(
      (dy, w, g) =>
        toDType(
          worker.run('conv2dInputGradKernel', geometryConstants(g), g.batch * g.inH * g.inW * g.inC, [dy, w]),
          dy.dtype,
          [g.batch, g.inH, g.inW, g.inC],
        ),
      (x, dy, g) =>
        toDType(
          worker.run('conv2dFilterGradKernel', geometryConstants(g), g.kH * g.kW * g.inC * g.outC, [x, dy]),
          x.dtype,
          [g.kH, g.kW, g.inC, g.outC],
        ),
    ),
    maxPool2d,
    maxPool2dGrad: maxPool2dGradReference,
    adamUpdate: (update) => adamUpdateReference(update),
    allFinite: (data) => allFiniteReference(data),
  };
}
