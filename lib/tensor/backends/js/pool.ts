import * as path from 'node:path';
import { receiveMessageOnPort, MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { DType, TypedArray } from '../../dtype';
import { arenaByte, MAX_PAGES, PAGE_BYTES, ThreadContext } from './context';
import { JobKind, runJob } from './jobs';

/** Layout of the shared control block (Int32 slots). */
export const CONTROL = { sequence: 0, completed: 1, failed: 3, kind: 4, dtype: 5, tasks: 6, params: 8, size: 64 } as const;

/** The claim word (a BigInt64 slot): the job's sequence number in the high 32 bits, the next task in the low. */
const TASK_BITS = 32n;
const CLOSED = 0n; // no job open: sequence numbers start at 1

/** A job as a thread copies it out of the control block before claiming one of its tasks. */
export interface PostedJob {
  kind: JobKind;
  dtype: DType;
  tasks: number;
  params: Int32Array;
}

function readJob(control: Int32Array): PostedJob {
  return {
    kind: control[CONTROL.kind] as JobKind,
    dtype: control[CONTROL.dtype] === 1 ? 'float64' : 'float32',
    tasks: control[CONTROL.tasks],
    params: control.slice(CONTROL.params, CONTROL.size),
  };
}

/**
 * Claims the next task of job `sequence` and returns it with the job, or null when the job has no task left (or
 * is over). The job is copied before the claim and the claim is a compare-and-swap on the word it was copied
 * under: a job is closed before the next one is written, so a successful claim proves the copy is this job's.
 */
export function claimTask(control: Int32Array, claim: BigInt64Array, sequence: number): { job: PostedJob; task: number } | null {
  for (;;) {
    const word = Atomics.load(claim, 0);
    if (Number(word >> TASK_BITS) !== sequence) return null;
    const job = readJob(control);
    const task = Number(word & 0xffffffffn);
    if (task >= job.tasks) return null;
    if (Atomics.compareExchange(claim, 0, word, word + 1n) === word) return { job, task };
  }
}

/** Counts a task done, and wakes the main thread when it was the last. */
export function completeTask(control: Int32Array): void {
  Atomics.add(control, CONTROL.completed, 1);
  Atomics.notify(control, CONTROL.completed);
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Fork–join parallelism that looks synchronous to the caller: the main thread writes a job into shared memory,
 * wakes the workers (Atomics.notify), and then every thread, the main one included, claims the job's tasks one by
 * one until none is left; the main thread sleeps in Atomics.wait until every task is counted done. Workers sleep
 * in Atomics.wait between jobs.
 *
 * Tasks are claimed, not assigned: a worker that wakes late, or a core busy with something else, just takes fewer
 * tasks. How a job is cut into tasks depends only on its shape, never on the threads or on timing, so results are
 * the same run after run and for any number of threads.
 *
 * The data lives in one shared WebAssembly memory that every thread holds: each thread's scratch (packing
 * buffers) at the start, then the jobs' data. The SIMD kernel works on it in place; when it must grow, each
 * thread sees the new size before its next task and refreshes its views.
 */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly claim = new BigInt64Array(new SharedArrayBuffer(8));
  private sequence = 0;
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
          workerData: { control: this.control.buffer, claim: this.claim.buffer, memory: this.memory, index, port: port2 },
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

  /**
   * Runs the `tasks` tasks of a job and returns when all are done: on the main thread alone when `parallel` is
   * false (small jobs: waking a worker costs more than it saves), else on every thread.
   */
  run(kind: JobKind, params: readonly number[], dtype: DType, tasks: number, parallel: boolean): void {
    if (parallel && tasks > 1 && !this.started) this.start();
    if (!parallel || tasks === 1 || this.workers.length === 0) {
      for (let task = 0; task < tasks; task++) runJob(kind, params, task, tasks, dtype, this.main);
      return;
    }
    const c = this.control;
    c[CONTROL.kind] = kind;
    c[CONTROL.dtype] = dtype === 'float64' ? 1 : 0;
    c[CONTROL.tasks] = tasks;
    c.set(params, CONTROL.params);
    Atomics.store(c, CONTROL.completed, 0);
    this.sequence = (this.sequence % 0x7fffffff) + 1;
    Atomics.store(this.claim, 0, BigInt(this.sequence) << TASK_BITS);
    Atomics.store(c, CONTROL.sequence, this.sequence);
    Atomics.notify(c, CONTROL.sequence);
    try {
      for (let claimed = claimTask(c, this.claim, this.sequence); claimed; claimed = claimTask(c, this.claim, this.sequence)) {
        runJob(kind, params, claimed.task, tasks, dtype, this.main);
        Atomics.add(c, CONTROL.completed, 1);
      }
      this.waitForTasks(tasks);
    } catch (error) {
      // close the job, let the workers finish the tasks they hold (all but the one that threw here), then report
      const claimed = Number(Atomics.exchange(this.claim, 0, CLOSED) & 0xffffffffn);
      this.waitForTasks(Math.min(claimed, tasks) - 1);
      throw error;
    }
    this.checkWorkers();
  }

  /** Waits until `count` tasks are counted done, then closes the job (before the next is written: see claimTask). */
  private waitForTasks(count: number): void {
    const c = this.control;
    const deadline = Date.now() + 300_000;
    for (;;) {
      const completed = Atomics.load(c, CONTROL.completed);
      if (completed >= count) break;
      Atomics.wait(c, CONTROL.completed, completed, 1000);
      if (Date.now() > deadline) throw new Error('js backend: a worker thread stopped answering');
    }
    Atomics.store(this.claim, 0, CLOSED);
  }

  private checkWorkers(): void {
    const c = this.control;
    if (Atomics.load(c, CONTROL.failed) !== 0) {
      Atomics.store(c, CONTROL.failed, 0);
      const reports = this.workers.map(({ port }) => receiveMessageOnPort(port)?.message as { error?: string } | undefined);
      throw new Error(`js backend: a worker thread failed: ${reports.find((r) => r?.error)?.error ?? 'unknown error'}`);
    }
  }
}
