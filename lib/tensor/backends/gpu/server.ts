import { parentPort, workerData } from 'node:worker_threads';
import { CompiledKernel, GpuDevice, GpuMode, openGpu } from './gpujs';
import * as kernels from './kernels';

import { GpuJob, STATUS } from './protocol';

/**
 * The gpu backend's worker (this file is only ever loaded as one). WebGPU hands results back through Promises,
 * while the engine's kernels are synchronous: so gpu.js lives in this thread, where it may await, and the main
 * thread sleeps in Atomics.wait until the result is in shared memory. Compiled kernels are cached per kernel,
 * constants and output size.
 */

const CACHE_SIZE = 32;

if (parentPort) {
  const {
    mode,
    control: controlBuffer,
    text: textBuffer,
  } = workerData as { mode: GpuMode; control: SharedArrayBuffer; text: SharedArrayBuffer };
  const control = new Int32Array(controlBuffer);
  const text = new Uint8Array(textBuffer);
  const cache = new Map<string, CompiledKernel>();
  let device: GpuDevice | null = null;

  const finish = (status: number, message = ''): void => {
    const bytes = Buffer.from(message, 'utf8').subarray(0, text.length);
    text.set(bytes);
    control[1] = bytes.length;
    Atomics.store(control, 0, status);
    Atomics.notify(control, 0);
  };

  const compiled = (job: GpuJob): CompiledKernel => {
    const key = `${job.kernel} ${JSON.stringify(job.constants)} ${job.outputLength}`;
    let kernel = cache.get(key);
    if (kernel) {
      cache.delete(key); // most recently used goes last
    } else {
      kernel = device!.compile(kernels[job.kernel], job.constants, job.outputLength);
      if (cache.size >= CACHE_SIZE) {
        const [oldestKey, oldest] = cache.entries().next().value as [string, CompiledKernel];
        oldest.destroy();
        cache.delete(oldestKey);
      }
    }
    cache.set(key, kernel);
    return kernel;
  };

  openGpu(mode).then(
    (opened) => {
      device = opened;
      finish(STATUS.done, opened.description);
    },
    (error: unknown) => finish(STATUS.failed, error instanceof Error ? error.message : String(error)),
  );

  parentPort.on('message', (job: GpuJob) => {
    // a kernel that fails to compile throws at once: answer with it too, or the main thread would wait in vain
    Promise.resolve()
      .then(() => compiled(job).run(job.inputs))
      .then((result) => {
        new Float32Array(job.output).set(result.subarray(0, job.outputLength));
        finish(STATUS.done);
      })
      .catch((error: unknown) => finish(STATUS.failed, error instanceof Error ? error.message : String(error)));
  });
}
