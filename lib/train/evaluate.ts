import { concat, noGrad, Rng, stepArena, Tensor } from '../autograd';
import { DataSplits, Dataset, imageBatch, labelBatch, take } from '../data';
import { Module } from '../nn';
import { retrievalMetrics, RetrievalMetrics } from '../triplet';
import { BatchStats, buildModel, tripletLoss } from './model';
import { Params } from './params';

/** Embeddings of a whole data set [N, D], in evaluation mode (batch norm on its moving statistics), no tape. */
export function embedDataset(model: Module, dataset: Dataset, batchSize = 256): Tensor {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const parts: Tensor[] = [];
      const arena = stepArena(); // each batch reuses the previous one's activations; its output is copied out first
      try {
        for (let start = 0; start < dataset.count; start += batchSize) {
          const indices = Int32Array.from({ length: Math.min(batchSize, dataset.count - start) }, (_, i) => start + i);
          parts.push(
            arena.step(
              () => model.forward(imageBatch(dataset, indices)),
              [],
              (out) => out.clone(),
            ),
          );
        }
      } finally {
        arena.dispose();
      }
      return concat(parts, 0);
    });
  } finally {
    model.train(wasTraining);
  }
}

export interface EvalMetrics extends RetrievalMetrics {
  /** The training loss on the test set, averaged over its batches (in order, batch_size each). */
  loss: number;
  fractionPositive?: number;
  hardestPositiveDist?: number;
  hardestNegativeDist?: number;
  /** Test images evaluated. */
  images: number;
}

function averageBatchStats(
  params: Params,
  dataset: Dataset,
  embeddings: Tensor,
): Omit<BatchStats, 'embeddingMeanNorm'> {
  const totals = new Map<string, number>();
  let weight = 0;
  noGrad(() => {
    for (let start = 0; start + 1 < dataset.count; start += params.batch_size) {
      const indices = Int32Array.from(
        { length: Math.min(params.batch_size, dataset.count - start) },
        (_, i) => start + i,
      );
      const rows = embeddings.data.subarray(
        start * embeddings.shape[1],
        (start + indices.length) * embeddings.shape[1],
      );
      const stats = tripletLoss(
        params,
        labelBatch(dataset, indices),
        new Tensor(rows.slice(), [indices.length, embeddings.shape[1]]),
      ).stats();
      for (const [key, value] of Object.entries(stats))
        if (key !== 'embeddingMeanNorm') totals.set(key, (totals.get(key) ?? 0) + value * indices.length);
      weight += indices.length;
    }
  });
  return Object.fromEntries([...totals].map(([key, value]) => [key, value / weight])) as unknown as BatchStats;
}

/** The test-set report: the training loss and its statistics, and the retrieval metrics of the embeddings. */
export function evaluateModel(model: Module, params: Params, dataset: Dataset): EvalMetrics {
  const embeddings = embedDataset(model, dataset);
  return {
    ...averageBatchStats(params, dataset, embeddings),
    ...retrievalMetrics(embeddings, dataset.labels, { seed: params.seed }),
    images: dataset.count,
  };
}

/**
 * What training buys is only visible against where it started: the retrieval metrics of the raw pixels, and of
 * the same network untrained (initialised from the same seed).
 */
export function baselineMetrics(
  params: Params,
  dataset: Dataset,
): { rawPixels: RetrievalMetrics; untrained: RetrievalMetrics } {
  const pixels = dataset.imageSize * dataset.imageSize;
  const raw = new Tensor(dataset.images.slice(), [dataset.count, pixels]);
  const untrained = buildModel(params, new Rng(params.seed));
  return {
    rawPixels: retrievalMetrics(raw, dataset.labels, { seed: params.seed }),
    untrained: retrievalMetrics(embedDataset(untrained, dataset), dataset.labels, { seed: params.seed }),
  };
}

/** The parts of the data params ask for: at most train_size training and eval_size test images. */
export function limitData(data: DataSplits, params: Params): DataSplits {
  return { ...data, train: take(data.train, params.train_size), test: take(data.test, params.eval_size) };
}
