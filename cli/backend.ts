import { Command } from 'commander';
import { Backend, setBackend } from '../lib';
import { BACKEND_NAMES } from '../lib/tensor/backend';
import { GPU_MODES } from '../lib/tensor/backends/gpu/gpujs';
import { choiceOf } from './options';

export interface BackendFlags {
  backend?: string;
  gpuMode?: string;
}

/** Every command takes --backend and --gpu-mode (TRIPLET_BACKEND and TRIPLET_GPU_MODE are their defaults). */
export function withBackendOptions(command: Command, defaultNote = 'js, or TRIPLET_BACKEND'): Command {
  return command
    .option(
      '--backend <name>',
      `kernels: reference (plain loops), js (fast TypeScript on all cores) or gpu (gpu.js) [default: ${defaultNote}]`,
      choiceOf('--backend', BACKEND_NAMES),
    )
    .option(
      '--gpu-mode <mode>',
      `gpu.js mode for --backend gpu: auto, ${GPU_MODES.join(', ')} [default: auto, or TRIPLET_GPU_MODE]`,
      choiceOf('--gpu-mode', ['auto', ...GPU_MODES]),
    );
}

/** Selects the backend the flags (or the environment) ask for; a GPU that cannot start falls back, saying so. */
export function applyBackend(flags: BackendFlags, fallback?: string): Backend {
  const name = flags.backend ?? fallback ?? process.env.TRIPLET_BACKEND ?? 'js';
  return setBackend(name, { gpuMode: flags.gpuMode ?? process.env.TRIPLET_GPU_MODE ?? 'auto' });
}

/** "js (2 threads, …)", "gpu (webgpu: WebGPU adapter: …)", "reference": the backend's own words where it has them. */
export function describeBackend(backend: Backend): string {
  const details = backend as Backend & { mode?: string; description?: string };
  if (backend.describe) return backend.describe();
  if (details.mode !== undefined) return `${backend.name} (${details.mode}: ${details.description})`;
  return backend.name;
}
