import { Command } from 'commander';
import { Backend, setBackend } from '../lib';
import { BACKEND_NAMES } from '../lib/tensor/backend';
import { GPU_MODES } from '../lib/tensor/backends/gpu/gpujs';
import { UsageError } from './errors';
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

/**
 * Selects the backend the flags (or the environment) ask for; a GPU that cannot start falls back, saying so. The
 * environment variables are checked as the flags are: a wrong value is an input error, never silently ignored.
 */
export function applyBackend(flags: BackendFlags, fallback?: string): Backend {
  const threads = environment('TRIPLET_THREADS');
  if (threads !== undefined && !(/^\d+$/.test(threads) && Number(threads) >= 1 && Number(threads) <= MAX_THREADS)) {
    throw new UsageError(`TRIPLET_THREADS must be an integer from 1 to ${MAX_THREADS}; got '${threads}'`);
  }
  // each is checked even where a flag or the command's own default wins over it
  const [backend, gpuMode] = [
    environment('TRIPLET_BACKEND', BACKEND_NAMES),
    environment('TRIPLET_GPU_MODE', ['auto', ...GPU_MODES]),
  ];
  return setBackend(flags.backend ?? fallback ?? backend ?? 'js', { gpuMode: flags.gpuMode ?? gpuMode ?? 'auto' });
}

const MAX_THREADS = 256;

/** An environment variable's value (unset or empty: undefined), one of `allowed` when given. */
function environment(variable: string, allowed?: readonly string[]): string | undefined {
  const value = process.env[variable];
  if (value === undefined || value === '') return undefined;
  if (allowed && !allowed.includes(value)) {
    throw new UsageError(`${variable} must be one of ${allowed.join(', ')}; got '${value}'`);
  }
  return value;
}

/** "js (2 threads, …)", "gpu (webgpu: WebGPU adapter: …)", "reference": the backend's own words where it has them. */
export function describeBackend(backend: Backend): string {
  const details = backend as Backend & { mode?: string; description?: string };
  if (backend.describe) return backend.describe();
  if (details.mode !== undefined) return `${backend.name} (${details.mode}: ${details.description})`;
  return backend.name;
}
