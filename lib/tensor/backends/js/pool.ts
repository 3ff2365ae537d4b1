import * as path from 'node:path';
import { receiveMessageOnPort, MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { DType, TypedArray } from '../../dtype';
import { arenaByte, MAX_PAGES, PAGE_BYTES, ThreadContext } from './context';
import { JobKind, runJob } from './jobs';

/** Layout of the shared control block (Int32 slots). */
export const CONTROL = { sequence: 0, done: 1, failed: 3, kind: 4, dtype: 5, parts: 6, params: 8, size: 64 } as const;

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Fork–join parallelism that looks synchronous to the caller: the main thread writes a job into shared memory,
 * wakes the workers (Atomics.notify), computes its own slice, and sleeps in Atomics.wait until every worker has
 * counted itself done. Workers sleep in Atomics.wait between jobs.
 *
 * The data lives in one shared WebAssembly memory that every thread holds: each thread's scratch (packing
 * buffers) at the start, then the jobs' data. The SIMD kernel works on it in place; when it must grow, each
 * thread sees the new size before its next job and refreshes its views.
 *
 * Slices depend only on the shape and the number of threads, never on timing, so results are reproducible.
 */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  readonly memory: WebAssembly.Memory;
  private readonly main: ThreadContext;
  private readonly dataStart: number;
  private workers: WorkerHandle[] = [];
  private started = false;
  /** Why workers could not be started, if they could not (the pool then runs everything on the main thread). */
  startError: string | null = null;

  constructor(readonly threads: number) {
    this.dataStart = arenaByte(threads);
    this.memory = new WebAssembly.Memory({ initial: Math.ceil((this.dataStart + (1 << 20)) / PAGE_BYTES), maximum: MAX_PAGES, shared: true });
    this.main = new ThreadContext(this.memory, 0);
  }

  get activeThreads(): number {
    return 1 + this.workers.length;
  }

  /** Whether float32 work runs on the WebAssembly SIMD kernel (else on the TypeScript one). */
  get simd(): boolean {
    return this.main.wasm !== null;
  }

  private start(): void {
    this.started = true;
    try {
      for (let index = 1; index < this.threads; index++) {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(path.join(__dirname, 'worker.js'), {
          workerData: { control: this.control.buffer, memory: this.memory, index, port: port2 },
          transferList: [port2],
        });
        worker.unref();
        this.workers.push({ worker, port: port1 });
      }
    } catch (error) {
      this.startError = error instanceof Error ? error.message : String(error);
      this.workers.forEach(({ worker }) => void worker.terminate());
      this.workers = [];
    }
  }

  /** The memory in a dtype, with room for `elements` of data, and the index where the data starts. */
  view(dtype: DType, elements: number): { data: TypedArray; start: number } {
    const needed = this.dataStart + elements * 8;
    const have = this.memory.buffer.byteLength;
    if (needed > have) {
      try {
        this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
      } catch {
        throw new Error(`js backend: a kernel needs ${Math.ceil(needed / 2 ** 20)} MiB, more than its ${(MAX_PAGES * PAGE_BYTES) / 2 ** 30} GiB memory`);
      }
    }
    this.main.refresh();
    return { data: this.main.view(dtype), start: this.dataStart / BYTES[dtype] };
  }

  /** Runs a job on `parts` slices (main thread included) and returns when all are done. */
  run(kind: JobKind, params: readonly number[], dtype: DType, parts: number): void {
    if (!this.started && parts > 1) this.start();
    const slices = Math.min(parts, this.activeThreads);
    if (slices === 1) {
      runJob(kind, params, 0, 1, dtype, this.main);
      return;
    }
    const c = this.control;
    c[CONTROL.kind] = kind;
    c[CONTROL.dtype] = dtype === 'float64' ? 1 : 0;
    c[CONTROL.parts] = slices;
    c.set(params, CONTROL.params);
    Atomics.store(c, CONTROL.done, 0);
    Atomics.add(c, CONTROL.sequence, 1);
    Atomics.notify(c, CONTROL.sequence);
    runJob(kind, params, 0, slices, dtype, this.main);
    this.waitForWorkers();
  }

  private waitForWorkers(): void {
    const c = this.control;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const done = Atomics.load(c, CONTROL.done);
      if (done >= this.workers.length) break;
      Atomics.wait(c, CONTROL.done, done, 1000);
      if (Date.now() > deadline) throw new Error('js backend: a worker thread stopped answering');
    }
    if (Atomics.load(c, CONTROL.failed) !== 0) {
      Atomics.store(c, CONTROL.failed, 0);
      const reports = this.workers.map(({ port }) => receiveMessageOnPort(port)?.message as { error?: string } | undefined);
      throw new Error(`js backend: a worker thread failed: ${reports.find((r) => r?.error)?.error ?? 'unknown error'}`);
    }
  }
}
