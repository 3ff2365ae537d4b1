import { parentPort, workerData } from 'node:worker_threads';
import { CompiledKernel, DeviceValue, GpuDevice, GpuMode, openGpu } from './gpujs';
import * as kernels from './kernels';
import { Command, STATUS } from './protocol';

/**
 * The gpu backend's worker (this file is only ever loaded as one). WebGPU hands results back through Promises,
 * while the engine's kernels are synchronous: so gpu.js lives in this thread, where it may await, runs the
 * commands the main thread posts in order (protocol.ts), and answers reads through shared memory while the main
 * thread sleeps in Atomics.wait. Values stay in device buffers between commands. Compiled kernels are cached
 * per kernel, constants and output size.
 */

/**
 * Compiled kernels kept: a training step of the original's network uses ~80 (its shapes, the elementwise ops' and
 * reductions' variants, a finite check per parameter), and evaluation a few more; past this, the least recently
 * used is dropped, and compiling again costs milliseconds on a real GPU.
 */
const CACHE_SIZE = 512;

if (parentPort) {
  const {
    mode,
    control: controlBuffer,
    text: textBuffer,
  } = workerData as { mode: GpuMode; control: SharedArrayBuffer; text: SharedArrayBuffer };
  const control = new Int32Array(controlBuffer);
  const text = new Uint8Array(textBuffer);
  const cache = new Map<string, CompiledKernel>();
  let compiles = 0;
  const values = new Map<number, DeviceValue>();
  /** Which gpu.js class ran each kernel, by kernel name. */
  const implementations: Record<string, string> = {};
  let device: GpuDevice | null = null;
  /** The first command that failed since the last answer: every later one is skipped, the next answer says it. */
  let failure: string | null = null;

  const finish = (status: number, message = ''): void => {
    const bytes = Buffer.from(message, 'utf8').subarray(0, text.length);
    text.set(bytes);
    control[1] = bytes.length;
    control[2] = compiles;
    Atomics.store(control, 0, status);
    Atomics.notify(control, 0);
  };

  const compiled = (
    kernel: string,
    source: string | undefined,
    constants: Record<string, number>,
    length: number,
    sizes: number[],
  ): CompiledKernel => {
    const key = `${source ?? kernel} ${JSON.stringify(constants)} ${length} ${sizes.join(',')}`;
    let found = cache.get(key);
    if (found) {
      cache.delete(key); // most recently used goes last
    } else {
      compiles++;
      found = device!.compile(source ?? kernels[kernel as keyof typeof kernels], constants, length);
      if (cache.size >= CACHE_SIZE) {
        const [oldestKey, oldest] = cache.entries().next().value as [string, CompiledKernel];
        oldest.destroy();
        cache.delete(oldestKey);
      }
    }
    cache.set(key, found);
    return found;
  };

  const value = (id: number): DeviceValue => {
    const found = values.get(id);
    if (!found) throw new Error(`device buffer ${id} is not there (freed, or never made)`);
    return found;
  };

  const free = (ids: number[]): void => {
    for (const id of ids) {
      const found = values.get(id);
      if (found) device!.free(found);
      values.delete(id);
    }
  };

  async function execute(command: Command): Promise<void> {
    free(command.free);
    if (command.op === 'upload') {
      values.set(command.id, await device!.upload(command.values));
    } else if (command.op === 'run') {
      const { kernel: name, source, constants, outputLength, sizes } = command;
      const kernel = compiled(name, source, constants, outputLength, sizes);
      const inputs = command.inputs.map((input) => ('id' in input ? value(input.id) : input.number));
      values.set(command.output, await kernel.run(inputs));
      implementations[command.kernel] = kernel.implementation;
    } else if (command.op === 'read') {
      const result = await device!.read(value(command.id));
      const into = new Float32Array(command.into);
      into.set(result.subarray(0, into.length));
    }
  }

  const answer = (command: Command, error: unknown): void => {
    if (error !== undefined && failure === null) failure = error instanceof Error ? error.message : String(error);
    if (command.op !== 'read' && command.op !== 'check') return;
    if (failure !== null) finish(STATUS.failed, failure);
    else finish(STATUS.done, command.op === 'check' ? JSON.stringify(implementations) : '');
    failure = null;
  };

  let queue: Promise<void> = openGpu(mode).then(
    (opened) => {
      device = opened;
      finish(STATUS.done, JSON.stringify({ description: opened.description, resident: opened.resident }));
    },
    (error: unknown) => finish(STATUS.failed, error instanceof Error ? error.message : String(error)),
  );

  parentPort.on('message', (commands: Command[]) => {
    queue = queue.then(async () => {
      for (const command of commands) {
        if (failure !== null) {
          answer(command, undefined);
          continue;
        }
        try {
          await execute(command);
          answer(command, undefined);
        } catch (error) {
          answer(command, error);
        }
      }
    });
  });
}
