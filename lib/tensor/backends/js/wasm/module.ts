import { F2, F4 } from '../../../kernels/winograd';
import { convFunctions } from './conv-kernel';
import { moduleBytes } from './emit';
import { gemmFunctions } from './gemm-kernel';
import { optimFunctions } from './optim-kernel';
import { poolFunctions } from './pool-kernel';
import { winogradFunctions } from './winograd-kernel';

type Kernel = (...args: number[]) => void;

/** What the kernel module exports (every argument an i32: sizes, flags, byte offsets into the shared memory). */
export interface Kernels {
  tiles: Kernel;
  gather: Kernel;
  finish: Kernel;
  maxpool: Kernel;
  maxpool2: Kernel;
  maxpool_grad: Kernel;
  unpool: Kernel;
  pad: Kernel;
  direct4: Kernel;
  direct1: Kernel;
  add_into: Kernel;
  zero: Kernel;
  adam: Kernel;
  finite: Kernel;
  zero_patches: Kernel;
  input2: Kernel;
  grad2: Kernel;
  output2: Kernel;
  filter2: Kernel;
  filter_grad2: Kernel;
  input4: Kernel;
  grad4: Kernel;
  output4: Kernel;
  filter4: Kernel;
  filter_grad4: Kernel;
}

/**
 * The kernels as one WebAssembly module importing `env.memory` (shared, up to `maxPages` pages), with the fused
 * multiply-add of relaxed SIMD (`fma`) or a multiply and an add. Compiled once on the main thread; each worker
 * instantiates the same module against the same memory.
 */
export function kernelModule(maxPages: number, fma: boolean): WebAssembly.Module {
  const functions = [
    ...gemmFunctions(fma),
    ...poolFunctions(),
    ...convFunctions(fma),
    ...optimFunctions(),
    ...winogradFunctions([F2, F4], fma),
  ];
  return new WebAssembly.Module(moduleBytes(functions, maxPages));
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernels;
}
