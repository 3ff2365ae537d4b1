import * as path from 'node:path';
import { EvalMetrics, metricRecord, RetrievalMetrics } from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { formatTable } from './table';

type AnyMetrics = Partial<EvalMetrics> & RetrievalMetrics;

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
