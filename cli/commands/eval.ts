import { Command } from 'commander';
import { baselineMetrics, evaluateModel, loadTrainedModel } from '../../lib';
import { applyBackend, BackendFlags, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, loadData, readExperiment } from '../experiment';
import { checkpointChoice } from '../options';
import { reportEvaluation } from '../report';

interface EvalFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  checkpoint: 'last' | 'best';
  baselines: boolean;
}

export function evalCommand(): Command {
  const command = new Command('eval')
    .summary('evaluate a trained model on the test set')
    .description(
      "Evaluate MODEL_DIR's checkpoint on the test set, as the original evaluate.py: the loss and its statistics, the\n" +
        'mean embedding norm, and retrieval metrics (leave-one-out precision@1, recall@1/2/4/8, R-precision, MAP@R, NMI\n' +
        'of k-means), next to the untrained network and the raw pixels. Prints a table and writes metrics_eval.json.',
    )
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]')
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last')
    .option('--no-baselines', 'skip the untrained-network and raw-pixel baselines');
  return withBackendOptions(command).action((flags: EvalFlags) => {
    const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
    const data = loadData(flags.data_dir, params);
    applyBackend(flags);
    const { model, meta, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
    const metrics = evaluateModel(model, params, data.test);
    const baselines = flags.baselines ? baselineMetrics(params, data.test) : undefined;
    const heading = `${file}: step ${meta.step}, evaluated on ${data.test.count} test images (${data.test.source}), leave-one-out:`;
    reportEvaluation(
      heading,
      modelDir,
      { checkpoint: file, step: meta.step, epoch: meta.epoch, data: data.description },
      metrics,
      baselines,
    );
  });
}
