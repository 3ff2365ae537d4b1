import { MessagePort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { TypedArray } from '../../dtype';
import { JobKind, runJob, ThreadScratch } from './jobs';
import { CONTROL } from './pool';

// A worker of the js backend's pool: sleep until a job is posted, run this thread's slice, count itself done.
const start = workerData as { control: SharedArrayBuffer; arena: SharedArrayBuffer; version: number; index: number; port: MessagePort };
const { index, port } = start;
const control = new Int32Array(start.control);
const scratch = new ThreadScratch();
let arena = start.arena;
let version = start.version;
let sequence = 0;

function views(): { float32: TypedArray; float64: TypedArray } {
  return { float32: new Float32Array(arena), float64: new Float64Array(arena) };
}
let data = views();

for (;;) {
  Atomics.wait(control, CONTROL.sequence, sequence);
  sequence = Atomics.load(control, CONTROL.sequence);
  while (Atomics.load(control, CONTROL.arenaVersion) !== version) {
    const message = receiveMessageOnPort(port)?.message as { version: number; arena: SharedArrayBuffer } | undefined;
    if (!message) continue;
    [version, arena] = [message.version, message.arena];
    data = views();
  }
  const parts = control[CONTROL.parts];
  try {
    if (index < parts) {
      const kind = control[CONTROL.kind] as JobKind;
      const params = control.subarray(CONTROL.params, CONTROL.size);
      runJob(kind, params, index, parts, control[CONTROL.dtype] === 1 ? data.float64 : data.float32, scratch);
    }
  } catch (error) {
    Atomics.store(control, CONTROL.failed, 1);
    port.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  Atomics.add(control, CONTROL.done, 1);
  Atomics.notify(control, CONTROL.done);
}
