import * as path from 'node:path';
import { receiveMessageOnPort, MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import { DType } from '../../dtype';
import { reservedBytes, ThreadContext } from './context';
import { JOB_KINDS, JobKind, runJob } from './jobs';
import { MAX_PAGES, SharedHeap } from './memory';
import { relaxedSimd, simd } from './wasm/features';
import { kernelModule } from './wasm/module';

/** Layout of the shared control block (Int32 slots). */
export const CONTROL = {
  sequence: 0,
  completed: 1,
  failed: 3,
  kind: 4,
  dtype: 5,
  tasks: 6,
  params: 8,
  size: 64,
} as const;

/** The claim word (a BigInt64 slot): the job's sequence number in the high 32 bits, the next task in the low. */
const TASK_BITS = 32n;
const CLOSED = 0n; // no job open: sequence numbers start at 1

/** A job as a worker copies it out of the control block before claiming one of its tasks (reused, never remade). */
export class PostedJob {
  kind: JobKind = 'matmul';
  dtype: DType = 'float32';
  tasks = 0;
  readonly params = new Int32Array(CONTROL.size - CONTROL.params);

  read(control: Int32Array): void {
    this.kind = JOB_KINDS[control[CONTROL.kind]];
    this.dtype = control[CONTROL.dtype] === 1 ? 'float64' : 'float32';
    this.tasks = control[CONTROL.tasks];
    for (let i = 0; i < this.params.length; i++) this.params[i] = control[CONTROL.params + i];
  }
}

/**
 * Claims the next task of job `sequence`, or returns −1 when it has none left (or is over). A worker copies the
 * job into `job` before the claim, and the claim is a compare-and-swap on the word it was copied under: a job is
 * closed before the next one is written, so a successful claim proves the copy is this job's. The main thread,
 * which wrote the job, passes its task count instead.
 */
export function claimTask(
  control: Int32Array,
  claim: BigInt64Array,
  sequence: number,
  job: PostedJob | number,
): number {
  for (;;) {
    const word = Atomics.load(claim, 0);
    if (Number(word >> TASK_BITS) !== sequence) return -1;
    let tasks = job as number;
    if (job instanceof PostedJob) {
      job.read(control);
      tasks = job.tasks;
    }
    const task = Number(word & 0xffffffffn);
    if (task >= tasks) return -1;
    if (Atomics.compareExchange(claim, 0, word, word + 1n) === word) return task;
  }
}

/**
 * How long a thread with nothing to do keeps polling before it sleeps. Waking a sleeping thread costs tens of
 * microseconds, and on a virtual machine a core left idle can take far longer to come back; a training step
 * posts a job every few milliseconds, so a worker that polls through the gaps starts each one at once (OpenMP,
 * which PyTorch and TensorFlow use, spins the same way before it blocks).
 */
const SPIN_NS = 2_000_000n;

/** Polls until `ready()` (true), for at most SPIN_NS; false when it is still not ready. */
export function spinUntil(ready: () => boolean): boolean {
  const deadline = process.hrtime.bigint() + SPIN_NS;
  for (;;) {
    for (let i = 0; i < 256; i++) if (ready()) return true;
    if (process.hrtime.bigint() > deadline) return false;
  }
}

/** Counts a task done, and wakes the main thread when it was the last. */
export function completeTask(control: Int32Array): void {
  Atomics.add(control, CONTROL.completed, 1);
  Atomics.notify(control, CONTROL.completed);
}

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
}

/**
 * Fork–join parallelism that looks synchronous to the caller: the main thread writes a job into shared memory,
 * wakes the workers (Atomics.notify), and then every thread, the main one included, claims the job's tasks one by
 * one until none is left; the main thread waits until every task is counted done. Between jobs, and while waiting,
 * a thread polls for a moment before it sleeps in Atomics.wait (see SPIN_NS).
 *
 * Tasks are claimed, not assigned: a worker that wakes late, or a core busy with something else, just takes fewer
 * tasks. How a job is cut into tasks depends only on its shape, never on the threads or on timing, so results are
 * the same run after run and for any number of threads.
 *
 * The data lives in one shared WebAssembly memory (`heap`) that every thread holds, with the kernel module
 * instantiated on it in each thread: the zero block and each thread's scratch at the start, then the heap.
 */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly claim = new BigInt64Array(new SharedArrayBuffer(8));
  private sequence = 0;
  readonly heap: SharedHeap;
  /** The compiled kernels, or null where WebAssembly SIMD is missing (the TypeScript paths run instead). */
  readonly module: WebAssembly.Module | null;
  /** Whether the kernels multiply-add with relaxed SIMD's fused instruction. */
  readonly fma: boolean;
  readonly main: ThreadContext;
  private workers: WorkerHandle[] = [];
  private perThread = { at: 0, stride: 0 };
  /** Tasks each thread has run (the main thread's first): shared, so that the workers count their own. */
  private readonly done: Int32Array;
  /** Why workers could not be started, if they could not (the pool then runs everything on the main thread). */
  startError: string | null = null;

  constructor(
    readonly threads: number,
    options: { fma?: boolean } = {},
  ) {
    this.heap = new SharedHeap(reservedBytes(threads));
    this.fma = simd() && (options.fma ?? true) && relaxedSimd();
    this.module = simd() ? kernelModule(MAX_PAGES, this.fma) : null;
    this.main = new ThreadContext(this.heap.memory, 0, this.module);
    this.done = new Int32Array(new SharedArrayBuffer(threads * 4));
    this.start();
  }

  /**
   * Starts the workers now: one takes ~0.1 s to load, in the background, and until it has, the main thread
   * simply claims every task itself.
   */
  private start(): void {
    if (this.threads === 1) return;
    try {
      for (let index = 1; index < this.threads; index++) {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(path.join(__dirname, 'worker.js'), {
          workerData: {
            control: this.control.buffer,
            claim: this.claim.buffer,
            done: this.done.buffer,
            memory: this.heap.memory,
            module: this.module,
            index,
            port: port2,
          },
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

  /**
   * Every thread's scratch of at least `bytes`, in float32 elements: thread i's starts at at + i·stride. Kept
   * and reused by the next jobs; grown (moved) when a job needs more.
   */
  scratch(bytes: number): { at: number; stride: number } {
    const stride = Math.ceil(bytes / 64) * 16;
    if (stride > this.perThread.stride) {
      if (this.perThread.stride > 0) this.heap.release(this.perThread.at * 4, this.perThread.stride * 4 * this.threads);
      this.perThread = { at: this.heap.alloc(stride * 4 * this.threads) / 4, stride };
    }
    return this.perThread;
  }

  /**
   * Runs the `tasks` tasks of a job and returns when all are done: on the main thread alone when `parallel` is
   * false (small jobs: waking a worker costs more than it saves), else on every thread.
   */
  run(kind: JobKind, params: readonly number[], dtype: DType, tasks: number, parallel: boolean): void {
    this.main.refresh();
    if (!parallel || tasks === 1 || this.workers.length === 0) {
      for (let task = 0; task < tasks; task++) runJob(kind, params, task, tasks, dtype, this.main);
      this.done[0] += tasks;
      return;
    }
    const c = this.control;
    c[CONTROL.kind] = JOB_KINDS.indexOf(kind);
    c[CONTROL.dtype] = dtype === 'float64' ? 1 : 0;
    c[CONTROL.tasks] = tasks;
    c.set(params, CONTROL.params);
    Atomics.store(c, CONTROL.completed, 0);
    this.sequence = (this.sequence % 0x7fffffff) + 1;
    Atomics.store(this.claim, 0, BigInt(this.sequence) << TASK_BITS);
    Atomics.store(c, CONTROL.sequence, this.sequence);
    Atomics.notify(c, CONTROL.sequence);
    try {
      for (
        let task = claimTask(c, this.claim, this.sequence, tasks);
        task >= 0;
        task = claimTask(c, this.claim, this.sequence, tasks)
      ) {
        runJob(kind, params, task, tasks, dtype, this.main);
        this.done[0]++;
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

  /** Tasks run so far by each thread (the main thread's first). */
  tasksByThread(): number[] {
    return Array.from(this.done, (_, i) => Atomics.load(this.done, i));
  }

  /** Waits until `count` tasks are counted done, then closes the job (before the next is written: see claimTask). */
  private waitForTasks(count: number): void {
    const c = this.control;
    const deadline = Date.now() + 300_000;
    spinUntil(() => Atomics.load(c, CONTROL.completed) >= count);
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
      const reports = this.workers.map(
        ({ port }) => receiveMessageOnPort(port)?.message as { error?: string } | undefined,
      );
      throw new Error(`js backend: a worker thread failed: ${reports.find((r) => r?.error)?.error ?? 'unknown error'}`);
    }
  }
}
