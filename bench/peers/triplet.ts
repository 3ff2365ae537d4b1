import { Adam, batchAllTripletLoss, EmbeddingNet, embedDataset, getBackend, Rng, setBackend, stepArena, Tensor } from '../../lib';
import { Batch, BATCH_SIZE, INFERENCE_BATCH, LEARNING_RATE, MARGIN, NETWORK, report, seconds, testImages, trainingBatches } from '../fixture';

/**
 * This engine as a peer: `node peers/triplet.js BACKEND STEPS [GPU_MODE]` (threads from TRIPLET_THREADS).
 * Two warm-up steps, then STEPS timed training steps; then inference of 1,792 test images in batches of 256.
 */
function main([backendName = 'js', stepsText = '12', gpuMode]: string[]): void {
  setBackend(backendName, { gpuMode });
  const steps = Number(stepsText);
  const batches = trainingBatches(steps + 2);
  const net = new EmbeddingNet(NETWORK, new Rng(230));
  const adam = new Adam(net.namedParameters(), { lr: LEARNING_RATE });
  // as the trainer does: each step's arrays are reused by the next (parameters and Adam's moments never are lent)
  const arena = stepArena();
  const step = (b: Batch): number => {
    const loss = arena.run(() => {
      adam.zeroGrad();
      const { loss } = batchAllTripletLoss(b.labels, net.forward(new Tensor(b.images, [BATCH_SIZE, 28, 28, 1])), MARGIN);
      loss.backward();
      adam.step();
      return loss.item();
    });
    arena.reclaim([]);
    return loss;
  };
  const firstLoss = step(batches[0]);
  step(batches[1]);
  const trainSeconds = seconds(() => batches.slice(2).forEach(step));
  const images = testImages(1792);
  const dataset = { images, labels: new Uint8Array(1792), count: 1792, imageSize: 28, source: 'bench' };
  embedDataset(net, { ...dataset, images: images.subarray(0, 784 * INFERENCE_BATCH), count: INFERENCE_BATCH }, INFERENCE_BATCH);
  const inferenceSeconds = seconds(() => embedDataset(net, dataset, INFERENCE_BATCH));
  const backend = getBackend() as { name: string; threads?: number; mode?: string };
  const peer = backend.threads !== undefined ? `triplet js, ${backend.threads} thread${backend.threads > 1 ? 's' : ''}` : `triplet ${backend.name}${backend.mode ? ` (${backend.mode})` : ''}`;
  report({ peer, firstLoss, trainSteps: steps, trainImagesPerSecond: (steps * BATCH_SIZE) / trainSeconds, inferenceImagesPerSecond: 1792 / inferenceSeconds });
}

main(process.argv.slice(2));
