import * as path from 'node:path';
import { EvalMetrics, RetrievalMetrics } from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { formatTable } from './table';

type AnyMetrics = Partial<EvalMetrics> & RetrievalMetrics;

/** The metrics as the original names its summaries (snake_case), for metrics_eval.json and the tables. */
export function metricRecord(m: AnyMetrics): Record<string, number> {
  const record: Record<string, number | undefined> = {
    loss: m.loss,
    fraction_positive_triplets: m.fractionPositive,
    hardest_positive_dist: m.hardestPositiveDist,
    hardest_negative_dist: m.hardestNegativeDist,
    embedding_mean_norm: m.embeddingMeanNorm,
    precision_at_1: m.precisionAt1,
    ...Object.fromEntries(Object.entries(m.recallAt).map(([k, v]) => [`recall_at_${k}`, v])),
    r_precision: m.rPrecision,
    map_at_r: m.mapAtR,
    nmi: m.nmi,
  };
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== undefined));
}

/** A table: one row per metric, a column for the trained model and one per baseline. */
export function metricsTable(trained: AnyMetrics, baselines?: { untrained: RetrievalMetrics; rawPixels: RetrievalMetrics }): string {
  const columns: Array<[string, Record<string, number>]> = [['trained', metricRecord(trained)]];
  if (baselines) columns.push(['untrained net', metricRecord(baselines.untrained)], ['raw pixels', metricRecord(baselines.rawPixels)]);
  const rows = Object.keys(columns[0][1]).map((name) => [name, ...columns.map(([, values]) => (values[name] === undefined ? '—' : values[name].toFixed(4)))]);
  return formatTable(['metric', ...columns.map(([label]) => label)], rows);
}

/** MODEL_DIR/metrics_eval.json, written atomically. */
export function writeMetrics(
  modelDir: string,
  info: { checkpoint: string; step: number; epoch: number; data: string },
  trained: AnyMetrics,
  baselines?: { untrained: RetrievalMetrics; rawPixels: RetrievalMetrics },
): string {
  const file = path.join(modelDir, 'metrics_eval.json');
  const body = {
    ...info,
    images: trained.queries,
    metrics: metricRecord(trained),
    baselines: baselines ? { untrained_net: metricRecord(baselines.untrained), raw_pixels: metricRecord(baselines.rawPixels) } : undefined,
  };
  writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}
