import { ArrayArena, getBackend, NDArray, Rng, stepArena, TypedArray } from '../autograd';
import { BatchOptions, DataSplits, epochBatches, imageBatch, labelBatch } from '../data';
import {
  Adam,
  CheckpointDir,
  CheckpointError,
  EmbeddingNet,
  holdInBackend,
  loadCheckpoint,
  loadWeightsInto,
  restoreCheckpoint,
  trainingState,
  TrainingParts,
} from '../nn';
import { TripletError } from '../tensor/errors';
import { storageOf } from '../tensor/ndarray';
import { evaluateModel, EvalMetrics } from './evaluate';
import { BatchStats, buildModel, tripletLoss } from './model';
import { ARCHITECTURE_KEYS, ConfigError, Params } from './params';
import { preflight } from './preflight';
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
  /**
   * The batch's first image, [image_size²] pixels in [0, 1] (the original's `train_image` summary shows it): a view
   * of the training set, made when asked for (a step makes no typed array of its own).
   */
  firstImage(): Float32Array;
}

/** Where a run starts: what `onStart` is told. */
export interface StartInfo {
  step: number;
  epoch: number;
  totalSteps: number;
  /** Steps in the epoch in progress (with the balanced sampler, epochs differ a little). */
  stepsPerEpoch: number;
  resumedFrom: string | null;
  /** The file the initial weights came from (`initFrom`, when the run starts rather than resumes). */
  initializedFrom: string | null;
  parameters: number;
}

export interface TrainEvents {
  onStart?(info: StartInfo): void;
  onStep?(report: StepReport): void;
  /** Every save_summary_steps steps. */
  onSummary?(report: StepReport): void;
  onEpochEnd?(epoch: number, step: number): void;
  /** An evaluation begins (it runs without a break: a command may let a signal end the process meanwhile). */
  onEvaluationStart?(): void;
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

/**
 * A resumed run must be the same experiment: the network (a checkpoint only fits it) and the mining strategy (the
 * summaries' columns, and what the run means, change with it). Another strategy from these weights is a new
 * experiment: another model_dir, started with --init-from.
 */
function checkSameExperiment(saved: Record<string, unknown> | null, params: Params, file: string): void {
  for (const key of [...ARCHITECTURE_KEYS, 'triplet_strategy'] as const) {
    if (saved && saved[key] !== undefined && saved[key] !== params[key]) {
      const fresh =
        key === 'triplet_strategy' ? ` (to go on from these weights: another model_dir and --init-from ${file})` : '';
      throw new ConfigError(
        `params.json sets ${key} to ${String(params[key])} but ${file} was trained with ${String(saved[key])}: use another model_dir, or set it back${fresh}`,
      );
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
  /**
   * Start from these weights (a checkpoint or a weights-only export, shapes checked against params) instead of
   * the seed's: fine-tuning. A model_dir that has a checkpoint resumes from it, and this is not read.
   */
  initFrom?: string;
}

export async function trainModel(options: TrainOptions): Promise<TrainOutcome> {
  const { params, data } = options;
  preflight(params, data);
  const arena = options.arena ?? stepArena();
  const model = buildModel(params, new Rng(params.seed));
  const optimizer = new Adam(model.namedParameters(), { lr: params.learning_rate });
  // the state and the steps' arrays live where the backend computes on them, while training
  const held = holdInBackend(trainingState(model, optimizer));
  try {
    return await new TrainingRun({ ...options, arena }, model, optimizer).toTheEnd();
  } finally {
    held.release();
    if (options.arena === undefined && arena) arena.dispose();
  }
}

/** The initial weights of `file`; a file that does not fit the params is the user's to fix (a ConfigError). */
function startFrom(model: EmbeddingNet, file: string): void {
  try {
    loadWeightsInto(model, file);
  } catch (error) {
    throw error instanceof CheckpointError ? new ConfigError(`initial weights: ${error.message}`) : error;
  }
}

/** Image `index` of a data set, as a view of its pixels. */
function imageOf(dataset: DataSplits['train'], index: number): Float32Array {
  const pixels = dataset.imageSize * dataset.imageSize;
  return dataset.images.subarray(index * pixels, (index + 1) * pixels);
}

/** Where a run stands: the epoch and the step in it, the data generator as it was when the epoch began, the step count. */
interface Position {
  epoch: number;
  stepInEpoch: number;
  step: number;
  /** The data generator's state at the start of `epoch`: the epoch's batches are drawn from it again on resume. */
  epochRng: Rng;
}

/** One training run of a model_dir, from where it stands to the last epoch (or a stop). */
class TrainingRun {
  private readonly checkpoints: CheckpointDir;
  private readonly events: TrainEvents;
  private readonly batchOptions: BatchOptions;
  /** The arrays that outlive every step (the training state, already where the backend holds it; updated in place). */
  private readonly keep: TypedArray[];
  private at: Position;
  private resumedFrom: string | null = null;
  /** The checkpoint resumed from owes its epoch's evaluation. */
  private pendingEvaluation = false;
  /** The evaluation the checkpoint resumed from holds, if any. */
  private savedMetrics: EvalMetrics | null = null;
  /** Images and seconds of recent steps, exponentially weighted: the throughput the progress shows. */
  private recent = { images: 0, seconds: 0 };

  constructor(
    private readonly options: TrainOptions & { arena: ArrayArena | false },
    private readonly model: EmbeddingNet,
    private readonly optimizer: Adam,
  ) {
    const { params } = options;
    this.keep = trainingState(model, optimizer).map((t) => t.storage);
    this.checkpoints = new CheckpointDir(options.modelDir);
    this.events = options.events ?? {};
    this.batchOptions = {
      batchSize: params.batch_size,
      sampler: params.sampler,
      imagesPerClass: params.images_per_class,
      dropLast: params.drop_last,
    };
    // The data has its own generator, so the order of the epochs does not depend on how the weights were drawn.
    this.at = { epoch: 0, stepInEpoch: 0, step: 0, epochRng: new Rng(params.seed + 1) };
  }

  async toTheEnd(): Promise<TrainOutcome> {
    const { params, data } = this.options;
    this.resumeIfSaved();
    const stepsPerEpoch = epochBatches(
      data.train.labels,
      this.batchOptions,
      Rng.fromState(this.at.epochRng.state()),
    ).length;
    if (stepsPerEpoch === 0) {
      const batching = `batch_size ${params.batch_size}${params.drop_last ? ', drop_last' : ''}, ${params.sampler} sampler`;
      throw new ConfigError(
        `the training split has ${data.train.count} images: not one batch to train on (${batching}); raise train_size, or lower batch_size`,
      );
    }
    // counted epoch by epoch as the run will draw them (the balanced sampler's epochs differ in length), from
    // where it stands (a resumed run may have another train_size than the one that took its first steps)
    const totalSteps = this.at.step + this.remainingSteps();
    const { step, epoch } = this.at;
    this.events.onStart?.({
      step,
      epoch,
      totalSteps,
      stepsPerEpoch,
      resumedFrom: this.resumedFrom,
      initializedFrom: this.resumedFrom ? null : (this.options.initFrom ?? null),
      parameters: this.model.parameterCount(),
    });
    // an evaluation an earlier run owed (it stopped during it) is done first
    let metrics: EvalMetrics | null = this.pendingEvaluation ? this.evaluate() : null;
    if (epoch >= params.num_epochs)
      return this.outcome(metrics ? 'finished' : 'already-trained', metrics ?? this.savedMetrics);
    while (this.at.epoch < params.num_epochs) {
      if ((await this.runEpoch(totalSteps)) === 'stopped') return this.outcome('interrupted', metrics);
      metrics = this.endEpoch();
      await yieldToEventLoop();
    }
    return this.outcome('finished', metrics);
  }

  /** The steps from where the run stands to its end, drawing the epochs' batches with a copy of the data generator. */
  private remainingSteps(): number {
    const { params, data } = this.options;
    const rng = Rng.fromState(this.at.epochRng.state());
    let steps = 0;
    for (let epoch = this.at.epoch; epoch < params.num_epochs; epoch++) {
      const count = epochBatches(data.train.labels, this.batchOptions, rng).length; // advances rng as runEpoch does
      steps += epoch === this.at.epoch ? Math.max(0, count - this.at.stepInEpoch) : count;
    }
    return steps;
  }

  /** Picks up from the last checkpoint, exactly: weights, Adam's moments, the step, the data order. */
  private resumeIfSaved(): void {
    const { last } = this.checkpoints;
    if (!this.checkpoints.hasLast()) {
      if (this.options.initFrom !== undefined) startFrom(this.model, this.options.initFrom);
      return;
    }
    const checkpoint = loadCheckpoint(last);
    checkSameExperiment(checkpoint.meta.params, this.options.params, last);
    const meta = restoreCheckpoint(checkpoint, { model: this.model, optimizer: this.optimizer }, last);
    this.at = {
      epoch: meta.epoch,
      stepInEpoch: meta.stepInEpoch,
      step: meta.step,
      epochRng: meta.rng ? Rng.fromState(meta.rng) : this.at.epochRng,
    };
    this.resumedFrom = last;
    this.pendingEvaluation = meta.pendingEvaluation === true;
    this.savedMetrics = (meta.metrics as unknown as EvalMetrics | null) ?? null;
  }

  /** The epoch's batches from where the run stands; saves every save_checkpoint_steps, and on a stop. */
  private async runEpoch(totalSteps: number): Promise<'done' | 'stopped'> {
    const { params } = this.options;
    const dataRng = Rng.fromState(this.at.epochRng.state());
    const batches = epochBatches(this.options.data.train.labels, this.batchOptions, dataRng);
    for (; this.at.stepInEpoch < batches.length; this.at.stepInEpoch++) {
      const batch = batches[this.at.stepInEpoch];
      const began = process.hrtime.bigint();
      const stats = this.stepOn(batch);
      this.at.step++;
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      this.recent = { images: this.recent.images * 0.9 + batch.length, seconds: this.recent.seconds * 0.9 + seconds };
      const { step, epoch, stepInEpoch } = this.at;
      const report: StepReport = {
        step,
        epoch,
        stepInEpoch: stepInEpoch + 1,
        stepsInEpoch: batches.length,
        totalSteps,
        stats,
        imagesPerSecond: this.recent.images / this.recent.seconds,
        firstImage: () => imageOf(this.options.data.train, batch[0]),
      };
      this.events.onStep?.(report);
      if (step % params.save_summary_steps === 0) this.events.onSummary?.(report);
      const stopping = this.events.shouldStop?.() ?? false;
      if (stopping || step % params.save_checkpoint_steps === 0)
        this.saveLast({ ...this.at, stepInEpoch: stepInEpoch + 1 });
      if (stopping) return 'stopped';
      await yieldToEventLoop();
    }
    this.at = { epoch: this.at.epoch + 1, stepInEpoch: 0, step: this.at.step, epochRng: dataRng };
    return 'done';
  }

  /** After an epoch: the checkpoint, and every eval_every_epochs (and after the last) the evaluation and the best. */
  private endEpoch(): EvalMetrics | null {
    const { params } = this.options;
    const { epoch, step } = this.at;
    this.events.onEpochEnd?.(epoch - 1, step);
    const evaluate = epoch % params.eval_every_epochs === 0 || epoch === params.num_epochs;
    // saved first, marked as owing its evaluation: a run stopped (or crashing) during it loses nothing
    this.saveLast(this.at, null, evaluate);
    return evaluate ? this.evaluate() : null;
  }

  /** The evaluation an epoch's end is due: saved with the checkpoint, which becomes the best one if it is. */
  private evaluate(): EvalMetrics {
    const { params, data } = this.options;
    const { epoch, step } = this.at;
    this.events.onEvaluationStart?.();
    const metrics = evaluateModel(this.model, params, data.test);
    this.saveLast(this.at, metrics);
    const best = this.checkpoints.saveBestIfBetter(this.parts(this.at, metrics), 'precisionAt1');
    this.events.onEvaluation?.(epoch - 1, step, metrics, best);
    return metrics;
  }

  /** One training step, its arrays the arena's: all of them go back to it after, except the training state. */
  private stepOn(batch: Int32Array): BatchStats {
    const { arena } = this.options;
    const run = (): BatchStats =>
      trainStep(
        { ...this.options, model: this.model, optimizer: this.optimizer },
        batch,
        this.at.step + 1,
        this.savedCheckpoint(),
      );
    if (!arena) return run();
    // the gradients are the step's arrays too: dropped with them, so that no parameter points at a reused array
    return arena.step(run, this.keep, (stats) => (this.model.zeroGrad(), stats));
  }

  /** Saves where the run stands, after checking that every weight and moment is finite: nothing poisoned is saved. */
  private saveLast(at: Position, metrics?: EvalMetrics | null, pendingEvaluation = false): void {
    const backend = getBackend();
    const state = [...this.model.stateDict(), ...optimizerState(this.optimizer)];
    const poisoned = state[backend.firstNonFinite(state.map(([, t]) => storageOf(t)))];
    if (poisoned) {
      const { learning_rate } = this.options.params;
      throw divergence(`${poisoned[0]} (after the update)`, at.step, this.savedCheckpoint(), learning_rate, true);
    }
    this.checkpoints.saveLast({ ...this.parts(at, metrics ?? undefined), pendingEvaluation });
  }

  /** The last checkpoint when one has been written (to say where the good state is), else null. */
  private savedCheckpoint(): string | null {
    return this.checkpoints.hasLast() ? this.checkpoints.last : null;
  }

  /** What a checkpoint holds: where a resumed run picks up, with the data generator as it was there. */
  private parts(at: Position, metrics?: EvalMetrics): TrainingParts {
    const { model, optimizer } = this;
    return {
      model,
      optimizer,
      step: at.step,
      epoch: at.epoch,
      stepInEpoch: at.stepInEpoch,
      rng: at.epochRng,
      params: this.options.params as unknown as Record<string, unknown>,
      metrics: metrics as unknown as Record<string, number> | undefined,
    };
  }

  private outcome(status: TrainOutcome['status'], metrics: EvalMetrics | null): TrainOutcome {
    return { status, step: this.at.step, epoch: this.at.epoch, model: this.model, metrics };
  }
}

/**
 * A run that produced NaN or infinity: which value, at which step, where the last good state is, and the likely
 * cause — at the very first step no update has happened yet, so it cannot be the learning rate.
 */
function divergence(
  what: string,
  step: number,
  checkpoint: string | null,
  learningRate: number,
  updated: boolean,
): TrainingError {
  const saved = checkpoint
    ? `the last good checkpoint stays at ${checkpoint}`
    : 'and no checkpoint had been written yet';
  const hint =
    step <= 1 && !updated
      ? 'before any update, so not the learning rate: check the data and params.json'
      : `try a lower learning_rate than ${learningRate}`;
  return new TrainingError(
    `step ${step}: ${what} is not finite (NaN or infinite); nothing was saved, ${saved} (${hint})`,
  );
}

/** Adam's moments, named as in a checkpoint. */
function optimizerState(optimizer: Adam): Array<[string, NDArray]> {
  const { m, v } = optimizer.stateDict();
  return [
    ...[...m].map(([n, t]): [string, NDArray] => [`Adam's m of ${n}`, t]),
    ...[...v].map(([n, t]): [string, NDArray] => [`Adam's v of ${n}`, t]),
  ];
}

/** What a training step reads. */
interface StepInputs {
  model: EmbeddingNet;
  optimizer: Adam;
  params: Params;
  data: DataSplits;
  profiler?: StepProfiler;
}

/** Forward, loss, backward, a check that nothing became NaN or infinite, and Adam's update. */
function trainStep(
  { model, optimizer, params, data, profiler }: StepInputs,
  batch: Int32Array,
  step: number,
  lastCheckpoint: string | null,
): BatchStats {
  profiler?.beginStep();
  optimizer.zeroGrad();
  const images = imageBatch(data.train, batch);
  const labels = labelBatch(data.train, batch);
  profiler?.mark('forward');
  const embeddings = model.forward(images);
  profiler?.mark('loss');
  const { loss, logged, stats } = tripletLoss(params, labels, embeddings);
  profiler?.mark('backward');
  if (loss.requiresGrad) loss.backward();
  profiler?.mark('optimizer');
  const backend = getBackend();
  backend.fetch?.(logged); // on a device: the step's scalars home in one transfer, after the backward pass was posted
  const batchStats = stats();
  const diverged = (what: string): TrainingError => divergence(what, step, lastCheckpoint, params.learning_rate, false);
  if (!Number.isFinite(batchStats.loss)) throw diverged('the loss');
  const withGrads = model.namedParameters().filter(([, p]) => p.grad);
  const poisoned = withGrads[backend.firstNonFinite(withGrads.map(([, p]) => p.grad!.storage))];
  if (poisoned) throw diverged(`the gradient of ${poisoned[0]}`);
  optimizer.step();
  profiler?.endStep();
  return batchStats;
}
