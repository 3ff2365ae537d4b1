import { MessagePort, workerData } from 'node:worker_threads';
import { ThreadContext } from './context';
import { runJob } from './jobs';
import { claimTask, completeTask, CONTROL, PostedJob, spinUntil } from './pool';

// A worker of the js backend's pool: sleep until a job is posted, claim its tasks until none is left, sleep again.
const start = workerData as {
  control: SharedArrayBuffer;
  claim: SharedArrayBuffer;
  done: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  module: WebAssembly.Module | null;
  index: number;
  port: MessagePort;
};
const { index, port } = start;
const control = new Int32Array(start.control);
const claim = new BigInt64Array(start.claim);
const done = new Int32Array(start.done);

/** A failure is flagged in the control block and explained on the port: the main thread reports it after the job. */
function fail(error: unknown, when: string): void {
  Atomics.store(control, CONTROL.failed, 1);
  port.postMessage({ error: `${when}: ${error instanceof Error ? error.message : String(error)}` });
}

function serve(context: ThreadContext): void {
  const job = new PostedJob();
  let sequence = 0;
  for (;;) {
    if (!spinUntil(() => Atomics.load(control, CONTROL.sequence) !== sequence))
      Atomics.wait(control, CONTROL.sequence, sequence);
    sequence = Atomics.load(control, CONTROL.sequence);
    for (
      let task = claimTask(control, claim, sequence, job);
      task >= 0;
      task = claimTask(control, claim, sequence, job)
    ) {
      try {
        context.refresh(); // the memory may have grown since the last task
        runJob(job.kind, job.params, task, job.tasks, job.dtype, context);
      } catch (error) {
        fail(error, `task ${task} of ${job.kind}`);
      }
      Atomics.add(done, index, 1);
      completeTask(control);
    }
  }
}

let context: ThreadContext | null = null;
try {
  context = new ThreadContext(start.memory, index, start.module);
} catch (error) {
  fail(error, `worker ${index} could not start`);
}
if (context) serve(context);
