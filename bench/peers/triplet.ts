import {
  Adam,
  batchAllTripletLoss,
  EmbeddingNet,
  embedDataset,
  getBackend,
  holdInBackend,
  Rng,
  setBackend,
  stepArena,
  Tensor,
  trainingState,
} from '../../lib';
import {
  BATCH_SIZE,
  FIXTURE_BATCHES,
  INFERENCE_BATCH,
  LEARNING_RATE,
  MARGIN,
  NETWORK,
  testImages,
  trainingBatches,
} from '../fixture';
import { servePeer } from './protocol';

/**
 * This engine as a peer of the bench (protocol: protocol.ts): `node peers/triplet.js BACKEND [GPU_MODE]`,
 * threads from TRIPLET_THREADS. As the trainer runs: each step's arrays reused by the next (stepArena).
 */
function main([backendName = 'js', gpuMode]: string[]): void {
  setBackend(backendName, { gpuMode });
  const batches = trainingBatches(FIXTURE_BATCHES);
  const net = new EmbeddingNet(NETWORK, new Rng(230));
  const adam = new Adam(net.namedParameters(), { lr: LEARNING_RATE });
  holdInBackend(trainingState(net, adam)); // as the trainer does, for the process's life
  const arena = stepArena();
  const inStep = <T>(fn: () => T): T => arena.step(fn);
  const lossAndGradient = (i: number): number => {
    adam.zeroGrad();
    const { loss } = batchAllTripletLoss(
      batches[i].labels,
      net.forward(new Tensor(batches[i].images, [BATCH_SIZE, 28, 28, 1])),
      MARGIN,
    );
    loss.backward();
    return loss.item();
  };
  const images = testImages(1792);
  const dataset = { images, labels: new Uint8Array(1792), count: 1792, imageSize: 28, source: 'bench' };
  const backend = getBackend() as { name: string; threads?: number; mode?: string };
  const peer =
    backend.threads !== undefined ? 'triplet js' : `triplet ${backend.name}${backend.mode ? ` (${backend.mode})` : ''}`;
  servePeer({
    peer,
    batches: batches.length,
    step: (i) =>
      inStep(() => {
        const loss = lossAndGradient(i);
        adam.step();
        return loss;
      }),
    firstGradient: (i) =>
      inStep(() => {
        const loss = lossAndGradient(i);
        let squares = 0;
        for (const [, p] of net.namedParameters()) for (const g of p.grad!.data) squares += g * g;
        return [loss, Math.sqrt(squares)];
      }),
    infer: () => void embedDataset(net, dataset, INFERENCE_BATCH),
  });
}

main(process.argv.slice(2));
