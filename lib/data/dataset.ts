import { allocate, allocateIndices } from '../tensor/arena';
import { Tensor, ValueError } from '../autograd';
import { TripletError } from '../tensor/errors';

/** Bad data: a missing or malformed file, labels out of range, an empty set. Names the file and what is wrong. */
export class DataError extends TripletError {}

/** Square grey-scale images with integer labels, pixels in [0, 1], kept as flat typed arrays. */
export interface Dataset {
  /** [count · size · size] pixels, row-major per image. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  imageSize: number;
  /** Where it came from, for messages: "embedded digits (test)", "data/mnist/t10k-images-idx3-ubyte.gz". */
  source: string;
}

export interface DataSplits {
  train: Dataset;
  test: Dataset;
  /** One line about the data, for the logs. */
  description: string;
}

export function checkDataset(d: Dataset): Dataset {
  if (d.count === 0) throw new DataError(`${d.source}: the data set is empty`);
  if (d.images.length !== d.count * d.imageSize * d.imageSize || d.labels.length !== d.count) {
    throw new DataError(
      `${d.source}: ${d.count} images of ${d.imageSize}×${d.imageSize} do not match ${d.images.length} pixels and ${d.labels.length} labels`,
    );
  }
  return d;
}

/** The first `count` images of a data set (all of them when it has fewer). */
export function take(d: Dataset, count: number): Dataset {
  if (count >= d.count) return d;
  const pixels = d.imageSize * d.imageSize;
  return { ...d, images: d.images.subarray(0, count * pixels), labels: d.labels.subarray(0, count), count };
}

/** Images picked by index, as a batch [n, size, size, 1] for the network. */
export function imageBatch(d: Dataset, indices: ArrayLike<number>): Tensor {
  const pixels = d.imageSize * d.imageSize;
  const out = allocate('float32', indices.length * pixels, false); // a training step's: from its arena
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= d.count)
      throw new ValueError(`imageBatch: index ${k} out of range for ${d.count} images`);
    for (let p = 0, from = k * pixels, to = i * pixels; p < pixels; p++) out[to + p] = d.images[from + p];
  }
  return new Tensor(out, [indices.length, d.imageSize, d.imageSize, 1]);
}

export function labelBatch(d: Dataset, indices: ArrayLike<number>): Int32Array {
  const labels = allocateIndices(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = d.labels[indices[i]];
  return labels;
}

/** Checks the data against what the model expects: image size and label range. */
export function checkAgainstParams(d: Dataset, imageSize: number, numLabels: number): void {
  if (d.imageSize !== imageSize) {
    throw new DataError(`${d.source}: images are ${d.imageSize}×${d.imageSize} but params.image_size is ${imageSize}`);
  }
  for (let i = 0; i < d.count; i++) {
    if (d.labels[i] >= numLabels) {
      throw new DataError(
        `${d.source}: label ${d.labels[i]} (image ${i}) is not below params.num_labels = ${numLabels}`,
      );
    }
  }
}
