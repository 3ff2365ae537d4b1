import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { encodeSafetensors, NDArray } from '../../lib';
import { writeFileAtomic } from '../../lib/util/files';
import { BATCH_SIZE, FIXTURE_BATCHES, initialWeights, testImages, trainingBatches } from '../fixture';

/** Where the Python peers live (the sources: the build copies no .py files). */
export const PYTHON_PEERS = path.resolve(__dirname, '../../../bench/peers');

/**
 * A Python that can `import module` (torch, tensorflow): TRIPLET_BENCH_PYTHON when set (a virtual environment's
 * python, say), else python3 on the PATH, else Debian's /usr/bin/python3; null when none can.
 */
export function pythonWith(module: string): string | null {
  const candidates = [process.env.TRIPLET_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return (
    candidates.find(
      (command) => spawnSync(command, ['-c', `import ${module}, numpy`], { encoding: 'utf8' }).status === 0,
    ) ?? null
  );
}

/** The same batches, test images and initial weights as the node peers, as safetensors for the Python peers. */
export function writePythonFixture(file: string): void {
  const batches = trainingBatches(FIXTURE_BATCHES);
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
