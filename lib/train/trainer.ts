import { ArrayArena, getBackend, Rng, stepArena, TypedArray } from '../autograd';
import { checkAgainstParams, DataSplits, epochBatches, imageBatch, labelBatch } from '../data';
import { Adam, CheckpointDir, EmbeddingNet, holdInBackend, loadCheckpoint, restoreCheckpoint, TrainingParts } from '../nn';
import { TripletError } from '../tensor/errors';
import { evaluateModel, EvalMetrics } from './evaluate';
import { BatchStats, buildModel, tripletLoss } from './model';
import { ARCHITECTURE_KEYS, ConfigError, Params } from './params';
import { StepProfiler } from './profile';

/** Training went wrong in a way a user must hear about (a NaN loss or gradient). */
export class TrainingError extends TripletError {}

export interface StepReport {
  step: number;
  epoch: number;
  stepInEpoch: number;
  stepsInEpoch: number;
  totalSteps: number;
  stats: BatchStats;
  /** Training throughput over recent steps. */
  imagesPerSecond: number;
}

export interface TrainEvents {
  onStart?(info: { step: number; epoch: number; totalSteps: number; resumedFrom: string | null; parameters: number }): void;
  onStep?(report: StepReport): void;
  /** Every save_summary_steps steps. */
  onSummary?(report: StepReport): void;
  onEpochEnd?(epoch: number, step: number): void;
  onEvaluation?(epoch: number, step: number, metrics: EvalMetrics, best: boolean): void;
  /** Asked after every step: true stops cleanly (the run saves and returns 'interrupted'). */
  shouldStop?(): boolean;
}

export interface TrainOutcome {
  status: 'finished' | 'interrupted' | 'already-trained';
  step: number;
  epoch: number;
  model: EmbeddingNet;
  metrics: EvalMetrics | null;
}

function checkArchitecture(saved: Record<string, unknown> | null, params: Params, file: string): void {
  for (const key of ARCHITECTURE_KEYS) {
    if (saved && saved[key] !== undefined && saved[key] !== params[key]) {
      throw new ConfigError(`params.json sets ${key} to ${String(params[key])} but ${file} was trained with ${String(saved[key])}: use another model_dir, or set it back`);
    }
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The original's train.py as a loop: for each epoch, the training set in batches (shuffled with the seeded
 * generator), the chosen mining strategy, Adam; checkpoints every save_checkpoint_steps and at every epoch's end;
 * evaluation on the test set every eval_every_epochs, keeping the best checkpoint by precision@1.
 *
 * A model_dir holding a checkpoint is resumed from it, exactly: weights, Adam's moments, the step, and the data
 * order (the data generator's state at the start of the epoch in progress is saved, the epoch's batches are
 * drawn again and the ones already done are skipped). Same seed, same backend: the same losses as an
 * uninterrupted run.
 */
export interface TrainOptions {
  modelDir: string;
  params: Params;
  data: DataSplits;
  events?: TrainEvents;
  profiler?: StepProfiler;
  /** Where the steps' arrays are reused from (a new arena by default; false: every array new, as outside training). */
  arena?: ArrayArena | false;
}

export async function trainModel(options: TrainOptions): Promise<TrainOutcome> {
  const { params, data } = options;
  checkAgainstParams(data.train, params.image_size, params.num_labels);
  checkAgainstParams(data.test, params.image_size, params.num_labels);
  // the step's arrays, the parameters and Adam's moments live where the backend computes on them, while training
  const arena = options.arena ?? stepArena();
  const model = buildModel(params, new Rng(params.seed));
  const optimizer = new Adam(model.namedParameters(), { lr: params.learning_rate });
  const { m, v } = optimizer.stateDict();
  const held = holdInBackend([...model.stateDict().values(), ...m.values(), ...v.values()]);
  try {
    return await trainEpochs({ ...options, arena }, model, optimizer);
  } finally {
    held.release();
    if (options.arena === undefined && arena) arena.dispose();
  }
}

async function trainEpochs(options: TrainOptions & { arena: ArrayArena | false }, model: EmbeddingNet, optimizer: Adam): Promise<TrainOutcome> {
  const { modelDir, params, data, events = {}, profiler, arena } = options;
  const checkpoints = new CheckpointDir(modelDir);
  // The data has its own generator, so the order of the epochs does not depend on how the weights were drawn.
  let dataRng = new Rng(params.seed + 1);
  let [epoch, stepInEpoch, step] = [0, 0, 0];
  let resumedFrom: string | null = null;
  if (checkpoints.hasLast()) {
    const checkpoint = loadCheckpoint(checkpoints.last);
    checkArchitecture(checkpoint.meta.params, params, checkpoints.last);
    const meta = restoreCheckpoint(checkpoint, { model, optimizer }, checkpoints.last);
    if (meta.rng) dataRng = Rng.fromState(meta.rng);
    [epoch, stepInEpoch, step] = [meta.epoch, meta.stepInEpoch, meta.step];
    resumedFrom = checkpoints.last;
  }
  const batchOptions = { batchSize: params.batch_size, sampler: params.sampler, imagesPerClass: params.images_per_class, dropLast: params.drop_last };
  /** What a checkpoint holds; `resume` is where a resumed run picks up, with the data generator as it was there. */
  const parts = (resume: { epoch: number; stepInEpoch: number; rng: Rng }, metrics?: EvalMetrics): TrainingParts => ({
    model, optimizer, step, ...resume, params: params as unknown as Record<string, unknown>,
    metrics: metrics as unknown as Record<string, number> | undefined,
  });

  const stepsPerEpoch = epochBatches(data.train.labels, batchOptions, Rng.fromState(dataRng.state())).length;
  const totalSteps = stepsPerEpoch * params.num_epochs;
  events.onStart?.({ step, epoch, totalSteps, resumedFrom, parameters: model.parameterCount() });
  if (epoch >= params.num_epochs) return { status: 'already-trained', step, epoch, model, metrics: null };

  let metrics: EvalMetrics | null = null;
  let recent = { images: 0, seconds: 0 };
  for (; epoch < params.num_epochs; epoch++) {
    const epochStart = Rng.fromState(dataRng.state());
    const batches = epochBatches(data.train.labels, batchOptions, dataRng);
    for (; stepInEpoch < batches.length; stepInEpoch++) {
      const began = process.hrtime.bigint();
      const run = (): BatchStats => trainStep(model, optimizer, params, data, batches[stepInEpoch], step + 1, checkpoints.last, profiler);
      const stats = arena ? arena.run(run) : run();
      if (arena) arena.reclaim(persistentArrays(model, optimizer));
      step++;
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      recent = { images: recent.images * 0.9 + batches[stepInEpoch].length, seconds: recent.seconds * 0.9 + seconds };
      const report: StepReport = { step, epoch, stepInEpoch: stepInEpoch + 1, stepsInEpoch: batches.length, totalSteps, stats, imagesPerSecond: recent.images / recent.seconds };
      events.onStep?.(report);
      if (step % params.save_summary_steps === 0) events.onSummary?.(report);
      const stopping = events.shouldStop?.() ?? false;
      if (stopping || step % params.save_checkpoint_steps === 0) checkpoints.saveLast(parts({ epoch, stepInEpoch: stepInEpoch + 1, rng: epochStart }));
      if (stopping) return { status: 'interrupted', step, epoch, model, metrics };
      await yieldToEventLoop();
    }
    stepInEpoch = 0;
    events.onEpochEnd?.(epoch, step);
    const next = { epoch: epoch + 1, stepInEpoch: 0, rng: dataRng };
    const evaluate = next.epoch % params.eval_every_epochs === 0 || next.epoch === params.num_epochs;
    metrics = evaluate ? evaluateModel(model, params, data.test) : null;
    checkpoints.saveLast(parts(next, metrics ?? undefined));
    if (metrics) {
      const best = checkpoints.saveBestIfBetter(parts(next, metrics), 'precisionAt1');
      events.onEvaluation?.(epoch, step, metrics, best);
    }
    await yieldToEventLoop();
  }
  return { status: 'finished', step, epoch, model, metrics };
}

/** What outlives a step: parameters, buffers and Adam's moments (the arena must not reuse them). */
function persistentArrays(model: EmbeddingNet, optimizer: Adam): TypedArray[] {
  const { m, v } = optimizer.stateDict();
  return [...model.stateDict().values(), ...m.values(), ...v.values()].map((t) => t.data);
}

/** Forward, loss, backward, a check that nothing became NaN or infinite, and Adam's update. */
function trainStep(model: EmbeddingNet, optimizer: Adam, params: Params, data: DataSplits, batch: Int32Array, step: number, lastCheckpoint: string, profiler?: StepProfiler): BatchStats {
  profiler?.beginStep();
  optimizer.zeroGrad();
  const images = imageBatch(data.train, batch);
  const labels = labelBatch(data.train, batch);
  profiler?.mark('forward');
  const embeddings = model.forward(images);
  profiler?.mark('loss');
  const { loss, stats } = tripletLoss(params, labels, embeddings);
  profiler?.mark('backward');
  const diverged = (what: string): TrainingError =>
    new TrainingError(`step ${step}: ${what} is not finite (NaN or infinite); nothing was saved, the last good checkpoint stays at ${lastCheckpoint} (try a lower learning_rate)`);
  if (!Number.isFinite(stats.loss)) throw diverged('the loss');
  if (loss.requiresGrad) loss.backward();
  profiler?.mark('optimizer');
  const backend = getBackend();
  for (const [name, p] of model.namedParameters()) if (p.grad && !backend.allFinite(p.grad.data)) throw diverged(`the gradient of ${name}`);
  optimizer.step();
  profiler?.endStep();
  return stats;
}
