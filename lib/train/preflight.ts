import * as os from 'node:os';
import { checkAgainstParams, DataSplits } from '../data';
import { ConfigError, Params } from './params';

/**
 * What is checked before the first step, so that nothing fails an epoch in (or takes the machine's memory): the
 * data against params, a test split the metrics can use, and a network whose tensors fit.
 */
export function preflight(params: Params, data: DataSplits, memoryBytes = os.totalmem()): void {
  checkAgainstParams(data.train, params.image_size, params.num_labels);
  checkAgainstParams(data.test, params.image_size, params.num_labels);
  checkTestSplit(data.test.labels);
  checkSizes(params, memoryBytes);
}

/** Retrieval metrics rank, for each test image, the others of its label: with no two of one label, they are empty. */
function checkTestSplit(labels: Uint8Array): void {
  const seen = new Set<number>();
  for (const label of labels) {
    if (seen.has(label)) return;
    seen.add(label);
  }
  throw new ConfigError(
    `the test split (${labels.length} images) has no two images of one label: the retrieval metrics need one pair at least (raise eval_size)`,
  );
}

/** A Float32Array past this length cannot be made. */
const MAX_ELEMENTS = 2 ** 31 - 1;

/**
 * The memory a training step of the original's network needs, roughly: parameters four times over (values,
 * gradients, Adam's two moments) and each layer's activations four times over (output, gradient, masks and pooling
 * winners), in float32. The evaluation runs batches of 256, so that many images count if batch_size is smaller.
 */
function checkSizes(params: Params, memoryBytes: number): void {
  const { image_size: s, num_channels: c, embedding_size: e } = params;
  const batch = Math.max(params.batch_size, 256);
  const [half, quarter] = [Math.floor(s / 2), Math.floor(s / 4)];
  const tensors: Array<[string, number]> = [
    ['the first convolution’s output', batch * s * s * c],
    ['the second convolution’s output', batch * half * half * 2 * c],
    ['the second convolution’s filters', 9 * c * 2 * c],
    ['the dense layer’s weights', quarter * quarter * 2 * c * e],
  ];
  const parameters = 9 * c + c + 9 * c * 2 * c + 2 * c + quarter * quarter * 2 * c * e + e;
  const activations = batch * (s * s * c + 2 * half * half * c + half * half * 2 * c + quarter * quarter * 2 * c);
  const bytes = 4 * (4 * parameters + 4 * activations);
  const [name, largest] = tensors.reduce((a, b) => (b[1] > a[1] ? b : a));
  const sizes = `image_size ${s}, num_channels ${c}, embedding_size ${e}, batch_size ${params.batch_size}`;
  if (largest > MAX_ELEMENTS) {
    throw new ConfigError(
      `${sizes}: ${name} would hold ${largest.toExponential(2)} values, more than one array can (${MAX_ELEMENTS})`,
    );
  }
  if (bytes > memoryBytes) {
    const gb = (n: number): string => `${(n / 2 ** 30).toFixed(1)} GB`;
    throw new ConfigError(
      `${sizes}: a training step would need about ${gb(bytes)}, the machine has ${gb(memoryBytes)}: lower num_channels, batch_size or image_size`,
    );
  }
}
