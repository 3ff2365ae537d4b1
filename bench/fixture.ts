import { EmbeddingNet, epochBatches, imageBatch, labelBatch, loadEmbeddedDigits, NDArray, Rng } from '../lib';

/** Every peer trains the original's network on the same batches from the same initial weights. */
export const BATCH_SIZE = 64;
export const INFERENCE_BATCH = 256;
export const NETWORK = { imageSize: 28, numChannels: 32, embeddingSize: 64 };
export const MARGIN = 0.5;
export const LEARNING_RATE = 1e-3;
/** Batches every peer cycles through (the same ones, in the same order). */
export const FIXTURE_BATCHES = 32;

export interface Batch {
  images: Float32Array;
  labels: Int32Array;
}

/** The first `count` batches of a shuffled epoch of the embedded training digits (seeded). */
export function trainingBatches(count: number): Batch[] {
  const data = loadEmbeddedDigits();
  const batches = epochBatches(
    data.train.labels,
    { batchSize: BATCH_SIZE, sampler: 'shuffle', imagesPerClass: 4, dropLast: true },
    new Rng(231),
  );
  return batches
    .slice(0, count)
    .map((b) => ({ images: imageBatch(data.train, b).data as Float32Array, labels: labelBatch(data.train, b) }));
}

/** The first `count` test images, for inference. */
export function testImages(count: number): Float32Array {
  return loadEmbeddedDigits().test.images.subarray(0, count * 784);
}

/** The network's initial weights (Glorot, seed 230), by name: conv1.weight [3,3,1,32], …, dense.bias [64]. */
export function initialWeights(): Map<string, NDArray> {
  return new EmbeddingNet(NETWORK, new Rng(230)).stateDict();
}
