import { Command } from 'commander';
import * as path from 'node:path';
import { baselineMetrics, DataSplits, lockModelDir, Params, StepProfiler, trainModel, TrainingSummaries, TrainOutcome } from '../../lib';
import { formatTable } from '../table';
import { applyBackend, BackendFlags, describeBackend, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, Experiment, loadData, readExperiment, withSeed } from '../experiment';
import { parseInteger } from '../options';
import { ProgressView } from '../progress';
import { metricsTable, writeMetrics } from '../report';

interface TrainFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  seed?: number;
  baselines: boolean;
  profile?: boolean;
}

export function trainCommand(): Command {
  const command = new Command('train')
    .summary('train the embedding network (resumes from the last checkpoint)')
    .description(
      'Train the embedding network of MODEL_DIR/params.json with online triplet mining, as the original train.py.\n' +
        `With no flags: the embedded MNIST digits, into ${DEFAULT_MODEL_DIR} (a default params.json is written there if\n` +
        'there is none). Checkpoints go to MODEL_DIR; a model_dir that has one is resumed from it. Ctrl-C finishes the\n' +
        'step, saves, and exits; run the same command to go on. At the end the test set is evaluated and the metrics\n' +
        'are printed next to two baselines (the untrained network, the raw pixels) and written to metrics_eval.json.',
    )
    .option('--model_dir <dir>', `experiment folder with params.json [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], …) [default: the embedded digits]')
    .option('--seed <n>', 'seed of every random choice (overrides params.seed)', parseInteger('--seed'))
    .option('--no-baselines', 'skip the untrained-network and raw-pixel baselines at the end')
    .option('--profile', 'measure where each step\'s time goes (data, forward, loss, backward, optimiser; each kernel) and print it at the end');
  return withBackendOptions(command).action((flags: TrainFlags) => train(flags));
}

async function train(flags: TrainFlags): Promise<void> {
  const experiment = readExperiment(flags.model_dir, { createDefault: true });
  const params = withSeed(experiment.params, flags.seed);
  if (experiment.created) console.log(`wrote default parameters to ${path.join(experiment.modelDir, 'params.json')} (edit it to change the experiment)`);
  const data = loadData(flags.data_dir, params);
  const backend = applyBackend(flags);
  await runTraining({ experiment, params, data, backend: describeBackend(backend), baselines: flags.baselines, profile: flags.profile });
}

/**
 * One experiment's training, as `train` runs it: progress, summaries, Ctrl-C, and at the end the evaluation
 * table (with baselines if asked) and metrics_eval.json. Returns the final test metrics, when training ran to
 * the end.
 */
export async function runTraining(options: { experiment: Experiment; params: Params; data: DataSplits; backend: string; baselines: boolean; profile?: boolean }): Promise<TrainOutcome> {
  const { experiment, params, data } = options;
  const { modelDir } = experiment;
  const paramsFile = path.join(modelDir, 'params.json');
  const release = lockModelDir(modelDir);
  const view = new ProgressView(process.stdout, params.num_epochs, params.batch_size);
  let summaries: TrainingSummaries | null = null;
  const profiler = options.profile ? new StepProfiler() : undefined;
  let stopRequested: string | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) process.exit(130); // a second Ctrl-C: leave now (checkpoints are written atomically)
    stopRequested = signal;
    view.line(`${signal}: finishing this step and saving… (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const strategy = `${params.triplet_strategy}${params.soft_margin ? ' (soft margin)' : `, margin ${params.margin}`}${params.squared ? ', squared distances' : ''}`;
    const outcome = await trainModel({
      modelDir,
      params,
      data,
      profiler,
      events: {
        onStart: (info) => {
          summaries = new TrainingSummaries(modelDir, params, info.step);
          console.log(`triplet train: ${modelDir}`);
          console.log(`  data     ${data.description}; using ${data.train.count} / ${data.test.count}`);
          console.log(`  model    EmbeddingNet, ${info.parameters.toLocaleString('en')} parameters; ${strategy}; Adam lr ${params.learning_rate}; batch ${params.batch_size} (${params.sampler})`);
          console.log(`  backend  ${options.backend}`);
          const unset = experiment.defaulted;
          if (unset.length > 0) console.log(`  defaults ${unset.length <= 6 ? unset.join(', ') : `for the ${unset.length} keys params.json leaves out (the README lists them)`}`);
          if (info.resumedFrom) console.log(`  resuming from ${info.resumedFrom} at step ${info.step} (epoch ${info.epoch + 1})`);
          console.log(`  ${info.totalSteps} steps: ${params.num_epochs} epochs of ${info.totalSteps / params.num_epochs}`);
        },
        onStep: (r) => view.step(r),
        onSummary: (r) => {
          summaries!.training(r);
          view.summary(r);
        },
        onEvaluation: (epoch, step, m, best) => {
          summaries!.evaluation(step, m);
          view.line(`  eval after epoch ${epoch + 1}: precision@1 ${m.precisionAt1.toFixed(4)}  MAP@R ${m.mapAtR.toFixed(4)}  loss ${m.loss.toFixed(4)}${best ? '  (best so far: saved)' : ''}`);
        },
        shouldStop: () => stopRequested !== null,
      },
    });
    if (outcome.status === 'interrupted') {
      view.line(`stopped at step ${outcome.step} (epoch ${outcome.epoch + 1}); saved. Run the same command to resume.`);
    } else if (outcome.status === 'already-trained') {
      console.log(`${modelDir} has already been trained for ${params.num_epochs} epochs; raise num_epochs in ${paramsFile} to train further, or run triplet eval.`);
    } else {
      const metrics = outcome.metrics!;
      const baselines = options.baselines ? baselineMetrics(params, data.test) : undefined;
      console.log(`\nevaluation on ${data.test.count} test images (${data.test.source}), leave-one-out:\n`);
      console.log(metricsTable(metrics, baselines));
      const file = writeMetrics(modelDir, { checkpoint: path.join(modelDir, 'checkpoint-last.safetensors'), step: outcome.step, epoch: params.num_epochs, data: data.description }, metrics, baselines);
      console.log(`\nwrote ${file}`);
    }
    if (profiler && profiler.stepCount > 0) {
      profiler.stop();
      const rows = profiler.table().map((r) => [r.name, r.msPerStep.toFixed(1), `${(100 * r.share).toFixed(0)}%`]);
      console.log(`\nwhere a training step's time goes (mean of ${profiler.stepCount} steps, ${options.backend}):\n`);
      console.log(formatTable(['phase / kernel', 'ms per step', 'share'], rows));
      const threads = profiler.threadShares();
      if (threads) console.log(`\ntasks run by each thread: ${threads}`);
    }
    return outcome;
  } finally {
    profiler?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    release();
  }
}
