import * as path from 'node:path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { DType, TypedArray } from '../../dtype';
import { JobKind, runJob, ThreadScratch } from './jobs';

/** Layout of the shared control block (Int32 slots). */
export const CONTROL = { sequence: 0, done: 1, arenaVersion: 2, failed: 3, kind: 4, dtype: 5, parts: 6, params: 8, size: 64 } as const;

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Fork–join parallelism that looks synchronous to the caller: the main thread writes a job into shared memory,
 * wakes the workers (Atomics.notify), computes its own slice, and sleeps in Atomics.wait until every worker has
 * counted itself done. Workers sleep in Atomics.wait between jobs. The data of a job lives in one shared arena
 * (a SharedArrayBuffer the workers also hold), grown when a job needs more; a new arena is handed over through a
 * message port that a worker drains synchronously (receiveMessageOnPort) before its next job.
 *
 * Slices depend only on the shape and the number of threads, never on timing, so results are reproducible.
 */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly scratch = new ThreadScratch();
  private workers: WorkerHandle[] = [];
  private arena = new SharedArrayBuffer(1 << 20);
  private views = { float32: new Float32Array(this.arena), float64: new Float64Array(this.arena) };
  private started = false;
  /** Why workers could not be started, if they could not (the pool then runs everything on the main thread). */
  startError: string | null = null;

  constructor(readonly threads: number) {}

  get activeThreads(): number {
    return 1 + this.workers.length;
  }

  private start(): void {
    this.started = true;
    try {
      for (let index = 1; index < this.threads; index++) {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(path.join(__dirname, 'worker.js'), {
          workerData: { control: this.control.buffer, arena: this.arena, version: Atomics.load(this.control, CONTROL.arenaVersion), index, port: port2 },
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

  /** The arena viewed in a dtype, at least `elements` long (grown, and handed to the workers, when needed). */
  view(dtype: DType, elements: number): TypedArray {
    const bytes = elements * 8;
    if (bytes > this.arena.byteLength) {
      this.arena = new SharedArrayBuffer(Math.max(bytes, Math.ceil(this.arena.byteLength * 1.5)));
      this.views = { float32: new Float32Array(this.arena), float64: new Float64Array(this.arena) };
      const version = Atomics.add(this.control, CONTROL.arenaVersion, 1) + 1;
      for (const { port } of this.workers) port.postMessage({ version, arena: this.arena });
    }
    return this.views[dtype];
  }

  /** Runs a job on `parts` slices (main thread included) and returns when all are done. */
  run(kind: JobKind, params: readonly number[], dtype: DType, parts: number): void {
    if (!this.started && parts > 1) this.start();
    const slices = Math.min(parts, this.activeThreads);
    const data = this.views[dtype];
    if (slices === 1) {
      runJob(kind, params, 0, 1, data, this.scratch);
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
    runJob(kind, params, 0, slices, data, this.scratch);
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
