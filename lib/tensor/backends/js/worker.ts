import { MessagePort, workerData } from 'node:worker_threads';
import { ThreadContext } from './context';
import { runJob } from './jobs';
import { claimTask, completeTask, CONTROL, PostedJob } from './pool';

// A worker of the js backend's pool: sleep until a job is posted, claim its tasks until none is left, sleep again.
const start = workerData as { control: SharedArrayBuffer; claim: SharedArrayBuffer; memory: WebAssembly.Memory; module: WebAssembly.Module | null; index: number; port: MessagePort };
const { index, port } = start;
const control = new Int32Array(start.control);
const claim = new BigInt64Array(start.claim);
const context = new ThreadContext(start.memory, index, start.module);
const job = new PostedJob();
let sequence = 0;

for (;;) {
  Atomics.wait(control, CONTROL.sequence, sequence);
  sequence = Atomics.load(control, CONTROL.sequence);
  for (let task = claimTask(control, claim, sequence, job); task >= 0; task = claimTask(control, claim, sequence, job)) {
    try {
      context.refresh(); // the memory may have grown since the last task
      runJob(job.kind, job.params, task, job.tasks, job.dtype, context);
    } catch (error) {
      Atomics.store(control, CONTROL.failed, 1);
      port.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
    completeTask(control);
  }
}
