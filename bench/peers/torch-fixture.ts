import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { encodeSafetensors, NDArray } from '../../lib';
import { writeFileAtomic } from '../../lib/util/files';
import { BATCH_SIZE, initialWeights, testImages, trainingBatches } from '../fixture';

export const TORCH_STEPS = 20;

/**
 * A Python with PyTorch, when the machine has one (Debian's python3-torch installs into /usr/bin/python3, which
 * need not be the python3 on the PATH); null otherwise.
 */
export function torchCommand(): { command: string; args: string[] } | null {
  const python = ['python3', '/usr/bin/python3'].find((command) => spawnSync(command, ['-c', 'import torch, numpy'], { encoding: 'utf8' }).status === 0);
  return python ? { command: python, args: [path.resolve(__dirname, '../../../bench/peers/torch_peer.py')] } : null;
}

/** The same batches, test images and initial weights as the other peers, as safetensors for the Python peer. */
export function writeTorchFixture(file: string): void {
  const batches = trainingBatches(TORCH_STEPS + 2);
  const images = new Float32Array(batches.length * BATCH_SIZE * 784);
  const labels = new Float32Array(batches.length * BATCH_SIZE);
  batches.forEach((b, i) => {
    images.set(b.images, i * BATCH_SIZE * 784);
    labels.set(b.labels, i * BATCH_SIZE);
  });
  const tensors = new Map<string, NDArray>([
    ['images', { data: images, shape: [batches.length * BATCH_SIZE, 28, 28, 1], dtype: 'float32' }],
    ['labels', { data: labels, shape: [batches.length * BATCH_SIZE], dtype: 'float32' }],
    ['test', { data: testImages(1792).slice(), shape: [1792, 28, 28, 1], dtype: 'float32' }],
    ...[...initialWeights()].map(([name, t]): [string, NDArray] => [`model.${name}`, t]),
  ]);
  writeFileAtomic(file, encodeSafetensors(tensors));
}
