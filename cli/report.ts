import * as path from 'node:path';
import {
  DataSplits,
  EvalMetrics,
  metricRecord,
  Params,
  Prediction,
  RetrievalMetrics,
  StartInfo,
  StepProfiler,
} from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { Experiment } from './experiment';
import { formatTable } from './table';

// What the commands print at their ends and beginnings, and the metrics file they write.

type AnyMetrics = Partial<EvalMetrics> & RetrievalMetrics;
type Baselines = { untrained: RetrievalMetrics; rawPixels: RetrievalMetrics };

/** A table: one row per metric, a column for the trained model and one per baseline. */
function metricsTable(trained: AnyMetrics, baselines?: Baselines): string {
  const columns: Array<[string, Record<string, number>]> = [['trained', metricRecord(trained)]];
  if (baselines)
    columns.push(
      ['untrained net', metricRecord(baselines.untrained)],
      ['raw pixels', metricRecord(baselines.rawPixels)],
    );
  const rows = Object.keys(columns[0][1]).map((name) => [
    name,
    ...columns.map(([, values]) => (values[name] === undefined ? '—' : values[name].toFixed(4))),
  ]);
  return formatTable(['metric', ...columns.map(([label]) => label)], rows);
}

/** Where `train` and `eval` write their final metrics (and `visualize` reads the baselines). */
export function metricsFile(modelDir: string): string {
  return path.join(modelDir, 'metrics_eval.json');
}

/** MODEL_DIR/metrics_eval.json, written atomically. */
function writeMetrics(
  modelDir: string,
  info: { checkpoint: string; step: number; epoch: number; data: string },
  trained: AnyMetrics,
  baselines?: Baselines,
): string {
  const file = metricsFile(modelDir);
  const body = {
    ...info,
    images: trained.queries,
    metrics: metricRecord(trained),
    baselines: baselines
      ? { untrained_net: metricRecord(baselines.untrained), raw_pixels: metricRecord(baselines.rawPixels) }
      : undefined,
  };
  writeFileAtomic(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** An evaluation's end: its heading, the table, metrics_eval.json written (`train` and `eval` alike). */
export function reportEvaluation(
  heading: string,
  modelDir: string,
  info: { checkpoint: string; step: number; epoch: number; data: string },
  metrics: AnyMetrics,
  baselines?: Baselines,
): void {
  console.log(`${heading}\n`);
  console.log(metricsTable(metrics, baselines));
  console.log(`\nwrote ${writeMetrics(modelDir, info, metrics, baselines)}`);
}

/** What `train` says before the first step: the data, the model, the backend, and where the run starts. */
export function reportTrainingStart(
  experiment: Experiment,
  params: Params,
  data: DataSplits,
  backend: string,
  info: StartInfo,
): void {
  const strategy = `${params.triplet_strategy}${params.soft_margin ? ' (soft margin)' : `, margin ${params.margin}`}${params.squared ? ', squared distances' : ''}`;
  console.log(`triplet train: ${experiment.modelDir}`);
  console.log(`  data     ${data.description}; using ${data.train.count} / ${data.test.count}`);
  console.log(
    `  model    EmbeddingNet, ${info.parameters.toLocaleString('en')} parameters; ${strategy}; Adam lr ${params.learning_rate}; batch ${params.batch_size} (${params.sampler})`,
  );
  console.log(`  backend  ${backend}`);
  const unset = experiment.defaulted;
  if (unset.length > 0)
    console.log(
      `  defaults ${unset.length <= 6 ? unset.join(', ') : `for the ${unset.length} keys params.json leaves out (the README lists them)`}`,
    );
  if (info.initializedFrom) console.log(`  weights  from ${info.initializedFrom}`);
  if (info.resumedFrom)
    console.log(`  resuming from ${info.resumedFrom} at step ${info.step} (epoch ${info.epoch + 1})`);
  const about = params.sampler === 'balanced' ? ' (about: the balanced sampler varies)' : '';
  console.log(`  ${info.totalSteps} steps: ${params.num_epochs} epochs of ${info.stepsPerEpoch}${about}`);
}

/** `--profile`'s table: where a step's time went, phase by phase and kernel by kernel; the threads' shares. */
export function reportProfile(profiler: StepProfiler, backend: string): void {
  if (profiler.stepCount === 0) return;
  profiler.stop();
  const rows = profiler.table().map((r) => [r.name, r.msPerStep.toFixed(1), `${(100 * r.share).toFixed(0)}%`]);
  console.log(`\nwhere a training step's time goes (mean of ${profiler.stepCount} steps, ${backend}):\n`);
  console.log(formatTable(['phase / kernel', 'ms per step', 'share'], rows));
  const threads = profiler.threadShares();
  if (threads) console.log(`\ntasks run by each thread: ${threads}`);
  const device = profiler.deviceLines();
  if (device) console.log(`\n${device.join('\n')}`);
}

/** One sub-experiment of `search`: the value tried, its folder, its final test metrics. */
export interface SearchResult {
  value: string;
  model_dir: string;
  /** Empty for a run that failed. */
  metrics: Record<string, number>;
  /** Why the run failed (it diverged), when it did. */
  error?: string;
}

/** `search`'s end: the runs ranked by precision@1, printed and written as PARENT/search_results.json and .csv. */
export function reportSearch(parentDir: string, param: string, results: SearchResult[]): void {
  const rank = (r: SearchResult): number => r.metrics.precision_at_1 ?? -Infinity; // failed runs last
  results.sort((a, b) => rank(b) - rank(a));
  const columns = ['precision_at_1', 'map_at_r', 'r_precision', 'nmi', 'loss'];
  console.log(`\nsearch over ${param}, best precision@1 first:\n`);
  const rows = results.map((r) => [
    r.value,
    ...columns.map((c) => r.metrics[c]?.toFixed(4) ?? '—'),
    r.error ? 'failed (diverged; see search_results.json)' : 'ok',
  ]);
  console.log(formatTable([param, ...columns, 'result'], rows));
  const jsonFile = path.join(parentDir, 'search_results.json');
  const csvFile = path.join(parentDir, 'search_results.csv');
  writeFileAtomic(jsonFile, JSON.stringify({ param, results }, null, 2) + '\n');
  const allColumns = [...new Set(results.flatMap((r) => Object.keys(r.metrics)))];
  const quoted = (text: string): string => `"${text.replace(/"/g, '""')}"`;
  const csv = [
    [param, 'model_dir', ...allColumns, 'error'].join(','),
    ...results.map((r) =>
      [r.value, r.model_dir, ...allColumns.map((c) => r.metrics[c] ?? ''), r.error ? quoted(r.error) : ''].join(','),
    ),
  ];
  writeFileAtomic(csvFile, csv.join('\n') + '\n');
  console.log(`\nwrote ${jsonFile} and ${csvFile}`);
}

/** `predict`'s answer: a table (file, label, distance of the nearest, the neighbours' labels), or JSON. */
export function reportPredictions(names: readonly string[], predictions: readonly Prediction[], json: boolean): void {
  if (json) {
    const rows = predictions.map((p, i) => ({ file: names[i], label: p.label, neighbors: p.neighbors }));
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const rows = predictions.map((p, i) => [
    names[i],
    String(p.label),
    p.neighbors[0].distance.toFixed(4),
    p.neighbors.map((m) => m.label).join(' '),
  ]);
  console.log(formatTable(['file', 'label', 'nearest distance', 'neighbours (labels, nearest first)'], rows));
}
