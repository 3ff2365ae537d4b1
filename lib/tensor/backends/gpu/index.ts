import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { allocate, allocateIndices, LentArray } from '../../arena';
import { Backend, BackendUnavailable, DeviceTraffic, noTraffic } from '../../backend';
import { deviceCopy, DeviceHome, dropDeviceCopy, hostValues, placeOnDevice } from '../../device-copies';
import { DType, TypedArray } from '../../dtype';
import { ValueError } from '../../errors';
import { Conv2dBackwardArgs, Conv2dGrads, ConvGeometry, Epilogue } from '../../kernels/conv';
import { AdamUpdate } from '../../kernels/optim';
import { PoolResult } from '../../kernels/pool';
import { NDArray, storageOf } from '../../ndarray';
import { sizeOf } from '../../shape';
import { deviceArrayOps, Input } from './array-ops';
import { GeneratedKernel } from './generated';
import { GPU_MODES, GpuMode } from './gpujs';
import { Command, KernelName, STATUS } from './protocol';

export interface GpuBackend extends Backend {
  readonly mode: GpuMode;
  /** What runs the kernels (the WebGPU adapter, …). */
  readonly description: string;
  /** Whether values stay on the device between kernels (WebGPU), or every kernel's result comes back (CPU modes). */
  readonly resident: boolean;
  traffic(): DeviceTraffic;
  /** The gpu.js class each kernel that ran so far ran with (WebGPUKernel, …), after every posted kernel ran. */
  implementations(): Record<string, string>;
}

/** In 'auto' mode, the real GPU APIs in order of preference. */
const AUTO: GpuMode[] = ['webgpu', 'headlessgl'];
const INIT_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 600_000;
/** Commands sent to the worker in one message. */
const BATCH = 32;
/** Indices are exact in float32 below 2²⁴ (kernels.ts): no array may be longer. */
const MAX_ELEMENTS = 1 << 24;

/** The main thread's side of the device: buffer ids, the commands that make them, reads, and what moved. */
class GpuWorker implements DeviceHome {
  /** [status, the answer's length in bytes, kernels compiled so far] (server.ts writes them). */
  private readonly control = new Int32Array(new SharedArrayBuffer(12));
  private readonly text = new Uint8Array(new SharedArrayBuffer(4096));
  private readonly worker: Worker;
  private nextId = 1;
  private frees: number[] = [];
  private queued: Command[] = [];
  private transfers: ArrayBuffer[] = [];
  /** Each live buffer's length: a kernel is compiled for its inputs' sizes too. */
  private readonly lengths = new Map<number, number>();
  readonly description: string;
  readonly resident: boolean;
  readonly counts = noTraffic();

  constructor(readonly mode: GpuMode) {
    // Mesa's EGL needs a platform to start without a display; set from the main thread, where process.env writes
    // reach the real environment that Dawn's native code reads.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    this.worker = new Worker(path.join(__dirname, 'server.js'), {
      workerData: { mode, control: this.control.buffer, text: this.text.buffer },
    });
    this.worker.unref();
    Atomics.store(this.control, 0, STATUS.pending);
    const result = this.wait(INIT_TIMEOUT_MS, 'starting');
    if (result.status !== STATUS.done) {
      void this.worker.terminate();
      throw new BackendUnavailable(`gpu.js ${mode}: ${result.message}`);
    }
    const started = JSON.parse(result.message) as { description: string; resident: boolean };
    this.description = started.description;
    this.resident = started.resident;
  }

  private wait(timeoutMs: number, what: string): { status: number; message: string } {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(this.control, 0) === STATUS.pending) {
      Atomics.wait(this.control, 0, STATUS.pending, 1000);
      if (Date.now() > deadline)
        return { status: STATUS.failed, message: `no answer after ${timeoutMs / 1000} s while ${what}` };
    }
    const message = Buffer.from(this.text.subarray(0, this.control[1])).toString('utf8');
    this.counts.compiles = this.control[2];
    return { status: this.control[0], message };
  }

  /**
   * Queues a command, with the buffers freed since the last one; `transfer` moves those arrays instead of copying.
   * Commands go to the worker BATCH at a time (a message costs tens of microseconds, a step posts ~90 kernels),
   * and at once before any command that waits for an answer.
   */
  private post(command: Command, transfer: ArrayBuffer[] = []): void {
    this.frees = [];
    this.queued.push(command);
    this.transfers.push(...transfer);
    if (this.queued.length >= BATCH) this.flush();
  }

  /** Sends the queued commands in one message: the device starts on them while the host goes on. */
  private flush(): void {
    if (this.queued.length === 0) return;
    this.worker.postMessage(this.queued, this.transfers);
    [this.queued, this.transfers] = [[], []];
  }

  /** Posts a command that answers (and everything queued before it), and waits for its answer. */
  private ask(command: Command, what: string): string {
    Atomics.store(this.control, 0, STATUS.pending);
    this.post(command);
    this.flush();
    const start = performance.now();
    const result = this.wait(JOB_TIMEOUT_MS, what);
    this.counts.waitMs += performance.now() - start;
    if (result.status !== STATUS.done) throw new Error(`gpu backend (${this.mode}): ${result.message}`);
    return result.message;
  }

  upload(array: LentArray): number {
    const values = Float32Array.from(array); // a copy of its own: the host may change the array meanwhile
    const id = this.nextId++;
    this.lengths.set(id, values.length);
    this.counts.uploads++;
    this.counts.uploadBytes += values.byteLength;
    this.post({ op: 'upload', id, values, free: this.frees }, [values.buffer]);
    return id;
  }

  run(kernel: KernelName, constants: Record<string, number>, outputLength: number, inputs: number[]): number {
    return this.launch(
      kernel,
      constants,
      outputLength,
      inputs.map((id) => ({ id })),
    );
  }

  launch(
    kernel: KernelName | GeneratedKernel,
    constants: Record<string, number>,
    outputLength: number,
    inputs: Array<{ id: number } | { number: number }>,
  ): number {
    const output = this.nextId++;
    this.counts.launches++;
    const sizes = inputs.map((input) => ('id' in input ? this.lengths.get(input.id)! : 0));
    this.lengths.set(output, outputLength);
    const [name, source] = typeof kernel === 'string' ? [kernel, undefined] : [kernel.name, kernel.source];
    this.post({ op: 'run', kernel: name, source, constants, outputLength, inputs, sizes, output, free: this.frees });
    return output;
  }

  readBack(id: number, array: LentArray): void {
    const into = new SharedArrayBuffer(Math.max(4, array.length * 4));
    this.ask({ op: 'read', id, into, free: this.frees }, `reading ${array.length} values back`);
    this.counts.readbacks++;
    this.counts.readbackBytes += array.length * 4;
    array.set(new Float32Array(into, 0, array.length));
  }

  free(id: number): void {
    this.lengths.delete(id);
    this.frees.push(id);
  }

  implementations(): Record<string, string> {
    return JSON.parse(this.ask({ op: 'check', free: this.frees }, 'checking the kernels')) as Record<string, string>;
  }
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

function checkSize(length: number, what: string): void {
  if (length > MAX_ELEMENTS) {
    throw new ValueError(
      `gpu backend: ${what} has ${length} elements; at most 2^24 = ${MAX_ELEMENTS} (its kernels index in float32)`,
    );
  }
}

/**
 * gpu.js kernels for every kernel of the interface, in float32 (float64 arrays are rounded on the way in). With
 * WebGPU the values stay on the device: a kernel's result is a buffer there, with a host array that is filled
 * only when something on the host reads it (tensor/device-copies.ts), and the next kernel reads the buffer.
 * Modes: 'webgpu' (WGSL compute shaders), 'headlessgl' (GLSL), 'webasm' and 'cpu' (gpu.js's CPU kernels, whose
 * "device" is the worker's memory), or 'auto' (the first real GPU API that starts).
 */
export function createGpuBackend(mode = 'auto'): GpuBackend {
  const worker = openWorker(mode);
  /**
   * The device buffer holding `input`'s values: the one a kernel left them in, or an upload, kept as the array's
   * device copy while the host leaves it alone — a host read (`hostValues`, which `Tensor.data` calls) drops it,
   * since whoever reads an array on the host may also write it, and a step's arena drops it when it lends the
   * array out again. So a batch of images crosses once a step, however many kernels read it.
   */
  function id(input: NDArray | LentArray): number {
    const array = ArrayBuffer.isView(input) ? input : storageOf(input);
    checkSize(array.length, 'an input');
    const copy = deviceCopy(array);
    if (copy?.home === worker) return copy.id;
    const uploaded = worker.upload(hostValues(array));
    placeOnDevice(array, worker, uploaded, true);
    return uploaded;
  }

  /** Runs a kernel on these inputs: its result's device buffer. */
  function run(
    kernel: KernelName | GeneratedKernel,
    constants: object,
    outputLength: number,
    inputs: Array<Input | LentArray>,
  ): number {
    checkSize(outputLength, `the output of ${typeof kernel === 'string' ? kernel : kernel.name}`);
    const args = inputs.map((input) => ('number' in input ? input : { id: id(input) }));
    return worker.launch(kernel, constants as Record<string, number>, outputLength, args);
  }

  /** A result left on the device, as an array whose host values are read back when first read. */
  function output(buffer: number, dtype: DType, shape: number[]): NDArray {
    const array = allocate(dtype, sizeOf(shape), false);
    placeOnDevice(array, worker, buffer, false);
    return {
      shape,
      dtype,
      storage: array,
      get data(): TypedArray {
        return hostValues(array);
      },
    };
  }

  function indices(buffer: number, length: number): Int32Array {
    const array = allocateIndices(length);
    placeOnDevice(array, worker, buffer, false);
    return array;
  }

  const conv = (x: NDArray, w: NDArray, g: ConvGeometry, epilogue?: Epilogue): number => {
    const bias = epilogue?.bias;
    const constants = { ...g, hasBias: bias ? 1 : 0, relu: epilogue?.relu ? 1 : 0 };
    return run('conv2dKernel', constants, g.batch * g.outH * g.outW * g.outC, [x, w, bias ?? w]);
  };

  /** Max-pools the values of device buffer `x` (`dtype`): the winners' indices, then their values. */
  const pool = (x: number, dtype: DType, g: ConvGeometry): PoolResult => {
    const shape = [g.batch, g.outH, g.outW, g.inC];
    const length = sizeOf(shape);
    const argmax = worker.run('maxPoolArgmaxKernel', { ...g }, length, [x]);
    const y = worker.run('gatherKernel', {}, length, [x, argmax]);
    return { y: output(y, dtype, shape), argmax: indices(argmax, length) };
  };

  /** dz: ∂L/∂(the conv's output), through its pooling and ReLU. */
  const throughEpilogue = (a: Conv2dBackwardArgs): number => {
    const { g } = a;
    if (a.pooled) {
      const p = a.pooled;
      const constants = { ...p.g, relu: p.relu ? 1 : 0 };
      return run('poolGradKernel', constants, g.batch * g.outH * g.outW * g.outC, [a.dy, p.argmax, p.y]);
    }
    if (a.relu) return run('reluGradKernel', {}, sizeOf(a.dy.shape), [a.dy, a.relu]);
    return -1;
  };

  const conv2dBackward = (a: Conv2dBackwardArgs): Conv2dGrads => {
    const { g } = a;
    const dtype = a.dy.dtype;
    const through = throughEpilogue(a);
    const dz = through === -1 ? id(a.dy) : through;
    const dx = a.input
      ? output(worker.run('conv2dInputGradKernel', { ...g }, g.batch * g.inH * g.inW * g.inC, [dz, id(a.w)]), dtype, [
          g.batch,
          g.inH,
          g.inW,
          g.inC,
        ])
      : null;
    const dw = a.filter
      ? output(worker.run('conv2dFilterGradKernel', { ...g }, g.kH * g.kW * g.inC * g.outC, [id(a.x), dz]), dtype, [
          g.kH,
          g.kW,
          g.inC,
          g.outC,
        ])
      : null;
    const pixels = g.batch * g.outH * g.outW;
    const db = a.bias
      ? output(worker.run('channelSumKernel', { pixels, channels: g.outC }, g.outC, [dz]), dtype, [g.outC])
      : null;
    if (through !== -1) worker.free(through);
    return { dx, dw, db };
  };

  const adamUpdate = (u: AdamUpdate): void => {
    const m = run('adamMomentKernel', { beta1: u.beta1 }, u.m.length, [u.m, u.grad]);
    const v = run('adamVarianceKernel', { beta2: u.beta2 }, u.v.length, [u.v, u.grad]);
    const theta = worker.launch('adamThetaKernel', { epsilon: u.epsilon }, u.theta.length, [
      { id: id(u.theta) },
      { id: m },
      { id: v },
      { number: u.lrT },
    ]);
    placeOnDevice(u.m, worker, m, false);
    placeOnDevice(u.v, worker, v, false);
    placeOnDevice(u.theta, worker, theta, false);
  };

  const FINITE_BLOCK = 1024;
  /** The device arrays among these packed into one buffer (a kernel each) and read back in one transfer. */
  const fetch = (arrays: readonly NDArray[]): void => {
    const there = arrays.map(storageOf).filter((array) => deviceCopy(array)?.home === worker);
    if (there.length < 2) return void there.forEach((array) => hostValues(array));
    const total = there.reduce((sum, array) => sum + array.length, 0);
    checkSize(total, 'the arrays fetched together');
    let [packed, at] = [-1, 0];
    for (const array of there) {
      const constants = { at, length: array.length, first: packed === -1 ? 1 : 0 };
      const next = worker.run('packKernel', constants, total, [packed === -1 ? id(array) : packed, id(array)]);
      if (packed !== -1) worker.free(packed);
      [packed, at] = [next, at + array.length];
    }
    const host = new Float32Array(total);
    worker.readBack(packed, host);
    worker.free(packed);
    at = 0;
    for (const array of there) {
      array.set(host.subarray(at, at + array.length));
      dropDeviceCopy(array); // the host holds the values now
      at += array.length;
    }
  };

  /** Each array's blocks checked in parallel, folded into one flag per array, and those flags read back together. */
  const firstNonFinite = (arrays: readonly TypedArray[]): number => {
    let flags = -1;
    arrays.forEach((array, index) => {
      if (array.length === 0) return; // finite, and its flag is already 1
      const blocks = Math.ceil(array.length / FINITE_BLOCK);
      const constants = { block: FINITE_BLOCK, size: array.length };
      const blockFlags = worker.run('finiteBlocksKernel', constants, blocks, [id(array)]);
      const fold = { index, blocks, first: flags === -1 ? 1 : 0 };
      const next = worker.run('finiteFlagKernel', fold, arrays.length, [flags === -1 ? blockFlags : flags, blockFlags]);
      worker.free(blockFlags);
      if (flags !== -1) worker.free(flags);
      flags = next;
    });
    if (flags === -1) return -1;
    const host = new Float32Array(arrays.length);
    worker.readBack(flags, host);
    worker.free(flags);
    return host.findIndex((flag) => flag !== 1);
  };

  return {
    name: 'gpu',
    mode: worker.mode,
    description: worker.description,
    resident: worker.resident,
    traffic: () => ({ ...worker.counts }),
    implementations: () => worker.implementations(),
    place: (x) => (id(x), x),
    fetch,
    matmul(a, b, transA, transB) {
      const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const n = transB ? b.shape[0] : b.shape[1];
      // element (i, p) of op(A) sits at i·aRow + p·aCol; (p, j) of op(B) at p·bRow + j·bCol
      const strides = { aRow: transA ? 1 : k, aCol: transA ? m : 1, bRow: transB ? 1 : n, bCol: transB ? k : 1 };
      return output(run('matmulKernel', { m, n, k, ...strides }, m * n, [a, b]), a.dtype, [m, n]);
    },
    conv2d: (x, w, g, epilogue) => output(conv(x, w, g, epilogue), x.dtype, [g.batch, g.outH, g.outW, g.outC]),
    conv2dPool(x, w, g, epilogue, p) {
      const y = conv(x, w, g, epilogue);
      const pooled = pool(y, x.dtype, p);
      worker.free(y);
      return pooled;
    },
    conv2dBackward,
    maxPool2d: (x, g) => pool(id(x), x.dtype, g),
    maxPool2dGrad: (dy, argmax, g) =>
      output(run('poolGradKernel', { ...g, relu: 0 }, g.batch * g.inH * g.inW * g.inC, [dy, argmax, dy]), dy.dtype, [
        g.batch,
        g.inH,
        g.inW,
        g.inC,
      ]),
    adamUpdate,
    firstNonFinite,
    ...deviceArrayOps({ has: (x) => deviceCopy(storageOf(x))?.home === worker, run, output }),
  };
}
