import { Rng, ShapeError, Tensor } from '../../autograd';
import { formatShape } from '../../tensor/shape';
import { labelArray, Labels } from '../labels';
import { kmeans } from './kmeans';
import { nearestNeighbors } from './neighbors';
import { normalizedMutualInformation } from './nmi';

export interface RetrievalMetrics {
  /** Fraction of queries whose nearest other item shares their label (= leave-one-out 1-NN accuracy). */
  precisionAt1: number;
  /** recall@K for each K asked: fraction of queries with at least one same-label item among their K nearest. */
  recallAt: Record<number, number>;
  /** Mean over queries of (same-label items among the R nearest) / R, R = number of other items with the label. */
  rPrecision: number;
  /** Mean over queries of (1/R) Σ_{i ≤ R} P(i)·rel(i) (Musgrave et al. 2020, "A Metric Learning Reality Check"). */
  mapAtR: number;
  /** NMI between k-means clusters (k = number of labels, k-means++ seeded) and the labels. */
  nmi: number;
  /** Mean Euclidean norm of the embeddings. */
  embeddingMeanNorm: number;
  /** Queries counted by the retrieval metrics; a query whose label appears nowhere else is left out. */
  queries: number;
}

export interface RetrievalOptions {
  ks?: readonly number[];
  /** Seeds k-means++. */
  seed?: number;
  /** Queries per block of distances. */
  blockSize?: number;
}

export function embeddingMeanNorm(embeddings: Tensor): number {
  const [n, dim] = embeddings.shape;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += embeddings.data[i * dim + j] ** 2;
    total += Math.sqrt(s);
  }
  return n > 0 ? total / n : 0;
}

/**
 * Leave-one-out retrieval metrics of a labelled set of embeddings: every item queries all the others.
 * Ranking is by Euclidean distance, ties broken by index.
 */
export function retrievalMetrics(embeddings: Tensor, labels: Labels, options: RetrievalOptions = {}): RetrievalMetrics {
  if (embeddings.rank !== 2 || embeddings.shape[0] < 2) {
    throw new ShapeError(`retrievalMetrics: needs embeddings [N,D] with N ≥ 2, got ${formatShape(embeddings.shape)}`);
  }
  const [n, dim] = embeddings.shape;
  const l = labelArray(labels, n, 'retrievalMetrics');
  const ks = options.ks ?? [1, 2, 4, 8];
  const classSize = new Map<number, number>();
  l.forEach((label) => classSize.set(label, (classSize.get(label) ?? 0) + 1));
  const relevantCount = (q: number): number => classSize.get(l[q])! - 1;
  const k = Math.min(n - 1, Math.max(...ks, ...[...classSize.values()].map((c) => c - 1)));
  const neighbors = nearestNeighbors(embeddings, k, { blockSize: options.blockSize });

  let queries = 0;
  let p1 = 0;
  let rPrecision = 0;
  let mapAtR = 0;
  const hits = new Map<number, number>(ks.map((K) => [K, 0]));
  for (let q = 0; q < n; q++) {
    const r = relevantCount(q);
    if (r === 0) continue;
    queries++;
    const relevant = (i: number): boolean => l[neighbors[q * k + i]] === l[q];
    if (relevant(0)) p1++;
    for (const K of ks) {
      for (let i = 0; i < Math.min(K, k); i++) {
        if (relevant(i)) {
          hits.set(K, hits.get(K)! + 1);
          break;
        }
      }
    }
    let found = 0;
    let precisionSum = 0;
    for (let i = 0; i < r; i++) {
      if (!relevant(i)) continue;
      found++;
      precisionSum += found / (i + 1);
    }
    rPrecision += found / r;
    mapAtR += precisionSum / r;
  }
  const clusters = kmeans(embeddings.data, n, dim, classSize.size, new Rng(options.seed ?? 0));
  const mean = (x: number): number => (queries > 0 ? x / queries : 0);
  return {
    precisionAt1: mean(p1),
    recallAt: Object.fromEntries(ks.map((K) => [K, mean(hits.get(K)!)])),
    rPrecision: mean(rPrecision),
    mapAtR: mean(mapAtR),
    nmi: normalizedMutualInformation(l, clusters),
    embeddingMeanNorm: embeddingMeanNorm(embeddings),
    queries,
  };
}
