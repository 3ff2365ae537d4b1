import { registerBackend } from '../backend';
import { createGpuBackend, GpuBackend } from './gpu';
import { createJsBackend, JsBackend } from './js';
import { referenceBackend } from './reference';

// The backends the engine ships. A backend is made on first selection and kept (the js pool, gpu kernels).
let js: JsBackend | null = null;
registerBackend('reference', () => referenceBackend);
registerBackend('js', () => (js ??= createJsBackend()));
const gpus = new Map<string, GpuBackend>();
registerBackend('gpu', ({ gpuMode = 'auto' }) => {
  if (!gpus.has(gpuMode)) gpus.set(gpuMode, createGpuBackend(gpuMode));
  return gpus.get(gpuMode)!;
});

export { createGpuBackend, createJsBackend, GpuBackend, JsBackend, referenceBackend };
