import type * as kernels from './kernels';

/**
 * What the gpu backend's thread and its worker (server.ts) exchange. Kept apart from server.ts, which runs as
 * soon as it is loaded: importing it anywhere but as the worker's entry would start a server in that thread.
 */
export const STATUS = { pending: 0, done: 1, failed: 2 } as const;

/** The gpu.js kernel functions, by name: what kernels.ts exports. */
export type KernelName = keyof typeof kernels;

export interface GpuJob {
  kernel: KernelName;
  constants: Record<string, number>;
  outputLength: number;
  inputs: Float32Array[];
  output: SharedArrayBuffer;
}
