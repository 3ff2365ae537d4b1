import { Rng, ValueError } from '../autograd';

export interface BatchOptions {
  batchSize: number;
  /** 'shuffle': the whole set shuffled each epoch, cut into batches (the original). 'balanced': P classes × K images. */
  sampler: 'shuffle' | 'balanced';
  /** K, for the balanced sampler: images of each class in a batch (P = batchSize / K classes). */
  imagesPerClass: number;
  /** Drop the last, smaller batch of a shuffled epoch (a last batch of one image is always dropped: it holds no triplet). */
  dropLast: boolean;
}

/** Fisher–Yates over 0…n−1 with the seeded generator. */
function permutation(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  return order;
}

function shuffledBatches(count: number, options: BatchOptions, rng: Rng): Int32Array[] {
  const order = permutation(count, rng);
  const batches: Int32Array[] = [];
  for (let start = 0; start < count; start += options.batchSize) {
    const batch = order.subarray(start, Math.min(start + options.batchSize, count));
    if (batch.length === options.batchSize || (!options.dropLast && batch.length > 1)) batches.push(batch);
  }
  return batches;
}

/**
 * Hermans et al.'s P×K batches: each class's images are shuffled into a queue; a batch takes P classes at random
 * among those with at least K images left, and K images from each. The epoch ends when fewer than P classes can
 * still give K; every image is used at most once per epoch. Every batch then has positives for every anchor,
 * which batch-hard and semi-hard need.
 */
function balancedBatches(labels: Uint8Array, options: BatchOptions, rng: Rng): Int32Array[] {
  const k = options.imagesPerClass;
  const p = options.batchSize / k;
  const queues = new Map<number, number[]>();
  labels.forEach((label, i) => (queues.get(label) ?? queues.set(label, []).get(label)!).push(i));
  const classes = [...queues.keys()].sort((a, b) => a - b);
  for (const label of classes) rng.shuffle(queues.get(label)!);
  const batches: Int32Array[] = [];
  for (;;) {
    const eligible = classes.filter((label) => queues.get(label)!.length >= k);
    if (eligible.length < p) break;
    rng.shuffle(eligible);
    batches.push(Int32Array.from(eligible.slice(0, p).flatMap((label) => queues.get(label)!.splice(0, k))));
  }
  return batches;
}

/** The batches (indices into the data set) of one epoch, drawn from `rng`. */
export function epochBatches(labels: Uint8Array, options: BatchOptions, rng: Rng): Int32Array[] {
  if (options.sampler === 'balanced') {
    if (options.imagesPerClass < 2 || options.batchSize % options.imagesPerClass !== 0) {
      throw new ValueError(
        `epochBatches: batch size ${options.batchSize} is not a multiple of images per class ${options.imagesPerClass} (≥ 2)`,
      );
    }
    return balancedBatches(labels, options, rng);
  }
  return shuffledBatches(labels.length, options, rng);
}
