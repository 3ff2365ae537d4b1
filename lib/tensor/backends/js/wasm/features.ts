import * as v8 from 'node:v8';
import { moduleBytes, relaxedProbe, Code } from './emit';

let relaxed: boolean | undefined;

/**
 * Whether WebAssembly relaxed SIMD compiles in this process (for its fused multiply-add, f32x4.relaxed_madd:
 * one rounding instead of two, and half the instructions of a multiply then an add). Node ≥ 22 has it on; Node
 * 20–21 keep it behind --experimental-wasm-relaxed-simd, which is turned on here, before any kernel is compiled.
 * V8's flags are process-wide, so worker threads see it too.
 */
export function relaxedSimd(): boolean {
  if (relaxed === undefined) {
    const probe = relaxedProbe();
    if (!WebAssembly.validate(probe)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    relaxed = WebAssembly.validate(probe);
  }
  return relaxed;
}

/** Whether WebAssembly SIMD (128-bit vectors) compiles here at all. */
export function simd(): boolean {
  const c = new Code();
  c.v128Zero().drop();
  return WebAssembly.validate(moduleBytes([{ name: 'probe', params: [], locals: [], body: c }], 1));
}
