import { Command } from 'commander';
import { loadTrainedModel } from '../../lib';
import { applyBackend, BackendFlags, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, loadData, readExperiment } from '../experiment';
import { checkpointChoice, parseInteger } from '../options';
import { UsageError } from '../errors';
import { TSNE_PERPLEXITY, writeVisualReport } from '../visual-report';

interface VisualizeFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  checkpoint: 'last' | 'best';
  tsnePoints: number;
}

export function visualizeCommand(): Command {
  const command = new Command('visualize')
    .summary('projector files, a t-SNE map, the training curves and an HTML page')
    .description(
      "As the original visualize_embeddings.py, into MODEL_DIR/eval: the test embeddings for TensorBoard's projector\n" +
        '(embeddings.tsv, metadata.tsv, sprite.png, projector_config.pbtxt), and pictures to open directly: tsne.png\n' +
        "(a 2-D t-SNE map, perplexity 25, coloured by label), curves.png (loss, the strategy's statistic, test\n" +
        'precision@1 over the steps), and index.html showing them with the metrics.',
    )
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]')
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last')
    .option(
      '--tsne-points <n>',
      't-SNE is exact, O(N²): map at most this many test images (the first ones)',
      parseInteger('--tsne-points'),
      2000,
    );
  return withBackendOptions(command).action((flags: VisualizeFlags) => {
    const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
    const data = loadData(flags.data_dir, params);
    const points = Math.min(flags.tsnePoints, data.test.count);
    if (points <= TSNE_PERPLEXITY) {
      const why =
        flags.tsnePoints <= TSNE_PERPLEXITY
          ? `--tsne-points is ${flags.tsnePoints}`
          : `the test split has ${data.test.count} images`;
      throw new UsageError(
        `t-SNE with perplexity ${TSNE_PERPLEXITY} needs more than ${TSNE_PERPLEXITY} points, and ${why}`,
      );
    }
    applyBackend(flags);
    const { model, meta, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
    writeVisualReport({ modelDir, params, data, model, step: meta.step, file, tsnePoints: flags.tsnePoints });
  });
}
