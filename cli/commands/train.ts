import { Command } from 'commander';
import * as path from 'node:path';
import { applyBackend, BackendFlags, describeBackend, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, loadData, readExperiment, withSeed } from '../experiment';
import { parseSeed } from '../options';
import { runTraining } from '../run-training';

interface TrainFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  seed?: number;
  baselines: boolean;
  initFrom?: string;
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
    .option(
      '--data_dir <dir>',
      'folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], …) [default: the embedded digits]',
    )
    .option('--seed <n>', 'seed of every random choice (overrides params.seed)', parseSeed)
    .option(
      '--init-from <file>',
      'start from these weights (a checkpoint, or a weights-only `triplet export`) instead of random ones: fine-tuning',
    )
    .option('--no-baselines', 'skip the untrained-network and raw-pixel baselines at the end')
    .option(
      '--profile',
      "measure where each step's time goes (data, forward, loss, backward, optimiser; each kernel) and print it at the end",
    );
  return withBackendOptions(command).action((flags: TrainFlags) => train(flags));
}

async function train(flags: TrainFlags): Promise<void> {
  const experiment = readExperiment(flags.model_dir, { createDefault: true });
  const params = withSeed(experiment.params, flags.seed);
  if (experiment.created)
    console.log(
      `wrote default parameters to ${path.join(experiment.modelDir, 'params.json')} (edit it to change the experiment)`,
    );
  const data = loadData(flags.data_dir, params);
  const backend = applyBackend(flags);
  await runTraining({
    experiment,
    params,
    data,
    backend: describeBackend(backend),
    baselines: flags.baselines,
    profile: flags.profile,
    initFrom: flags.initFrom,
  });
}
