import { MessagePort, workerData } from 'node:worker_threads';
import { ThreadContext } from './context';
import { JobKind, runJob } from './jobs';
import { CONTROL } from './pool';

// A worker of the js backend's pool: sleep until a job is posted, run this thread's slice, count itself done.
const start = workerData as { control: SharedArrayBuffer; memory: WebAssembly.Memory; index: number; port: MessagePort };
const { index, port } = start;
const control = new Int32Array(start.control);
const context = new ThreadContext(start.memory, index);
let sequence = 0;

for (;;) {
  Atomics.wait(control, CONTROL.sequence, sequence);
  sequence = Atomics.load(control, CONTROL.sequence);
  const parts = control[CONTROL.parts];
  try {
    if (index < parts) {
      context.refresh(); // the memory may have grown since the last job
      const params = control.subarray(CONTROL.params, CONTROL.size);
      runJob(control[CONTROL.kind] as JobKind, params, index, parts, control[CONTROL.dtype] === 1 ? 'float64' : 'float32', context);
    }
  } catch (error) {
    Atomics.store(control, CONTROL.failed, 1);
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
