import * as fs from 'node:fs';
import { NDArray } from '../autograd';
import { readFile } from '../util/files';
import { loadCheckpoint, restoreCheckpoint } from './checkpoint';
import { CheckpointError } from './errors';
import { Module } from './module';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

/**
 * A weights-only file: the network's parameters and batch-norm statistics, no optimiser state, as safetensors.
 * The names are PyTorch's (`conv1.weight`, `bn1.running_mean`, …); the layouts are ours, which are Keras's: conv
 * kernels HWIO [kh, kw, in, out], dense [in, out] applied to NHWC images flattened in h, w, c order. The metadata
 * says so, and carries whatever else the caller gives (the params, the checkpoint's step) as plain strings.
 */
export const WEIGHTS_FORMAT = 'triplet-weights/1';
const LAYOUT =
  'NHWC images; conv kernels HWIO [kh, kw, in, out] (Keras: as is; PyTorch: permute(3, 2, 0, 1) to OIHW); ' +
  'dense [in, out] on NHWC flattened in (h, w, c) order (PyTorch: transpose, and permute the input to NHWC before flattening)';

/** Batch norm's tensors under torch.nn.BatchNorm2d's names; every other name is already PyTorch's. */
const TORCH_NAMES: ReadonlyArray<[string, string]> = [
  ['gamma', 'weight'],
  ['beta', 'bias'],
  ['movingMean', 'running_mean'],
  ['movingVariance', 'running_var'],
];

export function portableName(name: string): string {
  const dot = name.lastIndexOf('.');
  const renamed = TORCH_NAMES.find(([ours]) => ours === name.slice(dot + 1));
  return renamed ? `${name.slice(0, dot + 1)}${renamed[1]}` : name;
}

export function encodeWeights(model: Module, metadata: Record<string, string> = {}): Buffer {
  const tensors = new Map([...model.stateDict()].map(([name, t]) => [portableName(name), t]));
  return encodeSafetensors(tensors, { ...metadata, format: WEIGHTS_FORMAT, layout: LAYOUT });
}

/**
 * Puts the weights of `file` — a training checkpoint or a weights-only file — into `model`: every tensor's name,
 * shape and dtype is checked first, and a mismatch names the tensor and both shapes.
 */
export function loadWeightsInto(model: Module, file: string): void {
  if (!fs.existsSync(file)) throw new CheckpointError(`${file}: no such file`);
  const { tensors, metadata } = decodeSafetensors(readFile(file), file);
  if (metadata.format !== WEIGHTS_FORMAT) {
    restoreCheckpoint(loadCheckpoint(file), { model }, file); // a checkpoint, or an error that says it is neither
    return;
  }
  const ours = new Map([...model.stateDict().keys()].map((name) => [portableName(name), name]));
  const renamed = new Map<string, NDArray>([...tensors].map(([name, t]) => [ours.get(name) ?? name, t]));
  model.loadStateDict(renamed, file);
}
