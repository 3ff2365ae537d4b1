// The union package registers every gradient (the core bundle alone registers none); wasm is added beside it.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  Batch,
  BATCH_SIZE,
  FIXTURE_BATCHES,
  INFERENCE_BATCH,
  initialWeights,
  LEARNING_RATE,
  MARGIN,
  testImages,
  trainingBatches,
} from '../fixture';
import { servePeer } from './protocol';

/**
 * TensorFlow.js 4.22 as a peer of the bench (protocol: protocol.ts): `node peers/tfjs.js wasm|cpu`. The same
 * network, loss (the original's batch-all formulation, with its B×B×B tensor), Adam, data and initial weights as
 * this engine. Its wasm backend runs on one thread in Node (its multi-threaded build needs a browser's workers).
 *
 * The wasm backend has no Conv2DBackpropFilter kernel, so training there fails as shipped. The convolution's
 * gradient is supplied with tf.customGrad: the input gradient by conv2dTranspose, the filter gradient as a
 * convolution of the transposed (padded) input with the transposed upstream gradient — so both run on the
 * backend's own fast convolution (XNNPACK on wasm). The cpu backend uses the same patch (its stock filter
 * gradient is a naive loop, several times slower).
 */
const conv3x3Same = tf.customGrad((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, 'same'),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const g = dy as tf.Tensor4D;
      const dx = tf.conv2dTranspose(g, filter, input.shape, 1, 'same');
      // dW[kh,kw,ci,co] = Σ_{n,i,j} xpad[n, i+kh, j+kw, ci]·dy[n,i,j,co]: a valid convolution over the batch axis
      const padded = tf.pad(input, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const dw = tf.transpose(
        tf.conv2d(tf.transpose(padded, [3, 1, 2, 0]), tf.transpose(g, [1, 2, 0, 3]), 1, 'valid'),
        [1, 2, 0, 3],
      );
      return [dx, dw];
    },
  };
});

function tripletMask(labels: Int32Array): tf.Tensor3D {
  const b = labels.length;
  const mask = new Float32Array(b * b * b);
  for (let a = 0; a < b; a++)
    for (let p = 0; p < b; p++)
      for (let n = 0; n < b; n++) {
        if (a !== p && a !== n && p !== n && labels[a] === labels[p] && labels[a] !== labels[n])
          mask[(a * b + p) * b + n] = 1;
      }
  return tf.tensor3d(mask, [b, b, b]);
}

/** The original's batch_all_triplet_loss, in TensorFlow.js ops. */
function batchAllLoss(embeddings: tf.Tensor2D, mask: tf.Tensor3D): tf.Scalar {
  const dot = tf.matMul(embeddings, embeddings, false, true);
  const squareNorm = tf.sum(tf.mul(embeddings, embeddings), 1);
  let d = tf.maximum(tf.add(tf.sub(tf.expandDims(squareNorm, 0), tf.mul(dot, 2)), tf.expandDims(squareNorm, 1)), 0);
  const zero = tf.sub(1, tf.step(d)); // d ≥ 0 here, so this is [d = 0]; TF.js has no gradient for equal, step's is zero
  d = tf.mul(tf.sqrt(tf.add(d, tf.mul(zero, 1e-16))), tf.sub(1, zero));
  const t = tf.relu(tf.mul(mask, tf.add(tf.sub(tf.expandDims(d, 2), tf.expandDims(d, 1)), MARGIN)));
  // the count of positive triplets passes no gradient, as in the original (tf.step's gradient is zero)
  const positive = tf.sum(tf.step(tf.sub(t, 1e-16)));
  return tf.div(tf.sum(t), tf.add(positive, 1e-16)) as tf.Scalar;
}

async function main([backend = 'wasm']: string[]): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
  const weights = new Map(
    [...initialWeights()].map(([name, t]) => [name, tf.variable(tf.tensor(t.data as Float32Array, [...t.shape]))]),
  );
  const v = (name: string): tf.Variable => weights.get(name)!;
  const embed = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.maxPool(
      tf.relu(tf.add(conv3x3Same(x, v('conv1.weight')), v('conv1.bias'))) as tf.Tensor4D,
      2,
      2,
      'valid',
    );
    h = tf.maxPool(tf.relu(tf.add(conv3x3Same(h, v('conv2.weight')), v('conv2.bias'))) as tf.Tensor4D, 2, 2, 'valid');
    return tf.add(tf.matMul(tf.reshape(h, [x.shape[0], -1]), v('dense.weight')), v('dense.bias')) as tf.Tensor2D;
  };
  const optimizer = tf.train.adam(LEARNING_RATE, 0.9, 0.999, 1e-8);
  const batches = trainingBatches(FIXTURE_BATCHES);
  const lossOf = (b: Batch) => (): tf.Scalar =>
    batchAllLoss(embed(tf.tensor4d(b.images, [BATCH_SIZE, 28, 28, 1])), tripletMask(b.labels));
  const images = testImages(1792);
  servePeer({
    peer: `TensorFlow.js ${tf.version.tfjs} ${backend}`,
    batches: batches.length,
    step: (i) =>
      tf.tidy(() => (optimizer.minimize(lossOf(batches[i]), true, [...weights.values()]) as tf.Scalar).dataSync()[0]),
    firstGradient: (i) =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(lossOf(batches[i]), [...weights.values()]);
        const squares = Object.values(grads).reduce((sum, g) => sum + tf.sum(tf.square(g)).dataSync()[0], 0);
        return [value.dataSync()[0], Math.sqrt(squares)];
      }),
    infer: () => {
      for (let start = 0; start < 1792; start += INFERENCE_BATCH) {
        tf.tidy(() =>
          embed(
            tf.tensor4d(images.subarray(start * 784, (start + INFERENCE_BATCH) * 784), [INFERENCE_BATCH, 28, 28, 1]),
          ).dataSync(),
        );
      }
    },
  });
}

void main(process.argv.slice(2));
