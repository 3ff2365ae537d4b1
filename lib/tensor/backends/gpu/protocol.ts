import type * as kernels from './kernels';

/**
 * What the gpu backend's thread and its worker (server.ts) exchange. Kept apart from server.ts, which runs as
 * soon as it is loaded: importing it anywhere but as the worker's entry would start a server in that thread.
 *
 * The main thread posts commands, in batches (a message is an array of them), and goes on; the worker runs them
 * in order, keeping every value it made in a table of device buffers by id. Only `read` (and `check`) answer: the
 * main thread sleeps in Atomics.wait until the values (or the first failure since the last answer) are in shared
 * memory.
 */
export const STATUS = { pending: 0, done: 1, failed: 2 } as const;

/** The gpu.js kernel functions, by name: what kernels.ts exports. */
export type KernelName = keyof typeof kernels;

export type Command =
  /** Device buffer `id` ← these values. */
  | { op: 'upload'; id: number; values: Float32Array; free: number[] }
  /**
   * Device buffer `output` ← the kernel on these inputs (device buffers by id, or numbers): one of kernels.ts by
   * name, or one made from `source` text (generated.ts), named for messages.
   */
  | {
      op: 'run';
      kernel: KernelName | string;
      source?: string;
      constants: Record<string, number>;
      outputLength: number;
      inputs: Array<{ id: number } | { number: number }>;
      /** The inputs' lengths (0 for a number): gpu.js compiles a kernel for them. */
      sizes: number[];
      output: number;
      free: number[];
    }
  /** The values of device buffer `id`, into `into` (float32), answered. */
  | { op: 'read'; id: number; into: SharedArrayBuffer; free: number[] }
  /** Answers once every command before it ran: the implementation each kernel ran with (JSON), or the failure. */
  | { op: 'check'; free: number[] };
