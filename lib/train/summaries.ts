import * as path from 'node:path';
import { PNG } from 'pngjs';
import { EventFileWriter, SummaryCsv } from '../summaries';
import { RetrievalMetrics } from '../triplet';
import { EvalMetrics } from './evaluate';
import { Params } from './params';
import { StepReport } from './trainer';

type AnyMetrics = Partial<EvalMetrics> & RetrievalMetrics;

/** Metrics under the names the original gives its summaries (snake_case): TensorBoard tags, CSV columns, JSON keys. */
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
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== undefined),
  );
}

/** The training scalars of a strategy: the original's (loss, its statistics, the mean norm) and ours. */
export function trainingScalarNames(params: Params): string[] {
  const statistics =
    params.triplet_strategy === 'batch_all'
      ? ['fraction_positive_triplets']
      : ['hardest_positive_dist', 'hardest_negative_dist'];
  return ['loss', ...statistics, 'embedding_mean_norm', 'learning_rate', 'images_per_second'];
}

function trainingScalars(report: StepReport, params: Params): Record<string, number> {
  const s = report.stats;
  const all: Record<string, number | undefined> = {
    loss: s.loss,
    fraction_positive_triplets: s.fractionPositive,
    hardest_positive_dist: s.hardestPositiveDist,
    hardest_negative_dist: s.hardestNegativeDist,
    embedding_mean_norm: s.embeddingMeanNorm,
    learning_rate: params.learning_rate,
    images_per_second: report.imagesPerSecond,
  };
  return Object.fromEntries(trainingScalarNames(params).map((name) => [name, all[name]!]));
}

const EVAL_SCALARS = [
  'loss',
  'fraction_positive_triplets',
  'hardest_positive_dist',
  'hardest_negative_dist',
  'embedding_mean_norm',
  'precision_at_1',
  'recall_at_1',
  'recall_at_2',
  'recall_at_4',
  'recall_at_8',
  'r_precision',
  'map_at_r',
  'nmi',
];

/** A grey-scale PNG of a square image with pixels in [0, 1]. */
function greyPng(pixels: Float32Array, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
    png.data.set([v, v, v, 255], 4 * i);
  }
  return PNG.sync.write(png, { colorType: 0 });
}

/**
 * Training summaries, as the original writes them: TensorBoard event files in the model_dir (training) and in
 * model_dir/eval (evaluation), and the same scalars in a summaries.csv beside each. `tensorboard --logdir
 * MODEL_DIR` shows both runs' curves.
 */
export class TrainingSummaries {
  private readonly trainEvents: EventFileWriter;
  private readonly evalEvents: EventFileWriter;
  private readonly trainCsv: SummaryCsv;
  private readonly evalCsv: SummaryCsv;

  constructor(
    modelDir: string,
    private readonly params: Params,
    resumeStep: number,
    now: () => number = () => Date.now() / 1000,
  ) {
    const evalDir = path.join(modelDir, 'eval');
    this.trainEvents = new EventFileWriter(modelDir, now);
    this.evalEvents = new EventFileWriter(evalDir, now);
    if (resumeStep > 0) {
      this.trainEvents.sessionStart(resumeStep);
      this.evalEvents.sessionStart(resumeStep);
    }
    this.trainCsv = new SummaryCsv(modelDir, trainingScalarNames(params), resumeStep);
    this.evalCsv = new SummaryCsv(evalDir, EVAL_SCALARS, resumeStep);
  }

  /** The step's scalars, and `train_image`: the batch's first image, as the original's tf.summary.image. */
  training(report: StepReport, wallTime = Date.now() / 1000): void {
    const values = trainingScalars(report, this.params);
    this.trainEvents.scalars(report.step, values);
    const size = this.params.image_size;
    this.trainEvents.image(report.step, 'train_image', greyPng(report.firstImage(), size), {
      height: size,
      width: size,
      colorspace: 1,
    });
    this.trainCsv.append(report.step, wallTime, values);
  }

  evaluation(step: number, metrics: EvalMetrics, wallTime = Date.now() / 1000): void {
    const values = metricRecord(metrics);
    this.evalEvents.scalars(step, values);
    this.evalCsv.append(step, wallTime, values);
  }
}
