import { Command } from 'commander';
import { classifyByNeighbors, embedDataset, loadTrainedModel, readImageFiles, trainingGallery } from '../../lib';
import { applyBackend, BackendFlags, withBackendOptions } from '../backend';
import { UsageError } from '../errors';
import { DEFAULT_MODEL_DIR, loadData, readExperiment } from '../experiment';
import { checkpointChoice, parseInteger } from '../options';
import { reportPredictions } from '../report';

interface PredictFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  checkpoint: 'last' | 'best';
  k: number;
  json?: boolean;
}

export function predictCommand(): Command {
  const command = new Command('predict')
    .summary('label new images by their nearest training embeddings')
    .description(
      'Embed each IMAGE (a PNG of image_size × image_size — grey, or colour taken as luminance — or an IDX file of\n' +
        'images) and label it by the majority of its K nearest training images in embedding space (ties: the\n' +
        "nearest's label). The training split's embeddings are cached in MODEL_DIR beside the checkpoint, and made\n" +
        'again when it changes. Prints a table, or with --json an array: file, label, neighbors (index, label,\n' +
        'distance).',
    )
    .argument('<image...>', 'PNG or IDX image files')
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]')
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last')
    .option('--k <n>', 'neighbours that vote', parseInteger('--k'), 1)
    .option('--json', 'print JSON instead of a table');
  return withBackendOptions(command).action((files: string[], flags: PredictFlags) => {
    if (flags.k < 1) throw new UsageError(`--k must be at least 1, got ${flags.k}`);
    const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
    const queries = readImageFiles(files, params.image_size);
    const data = loadData(flags.data_dir, params);
    if (flags.k > data.train.count)
      throw new UsageError(`--k ${flags.k} is more than the ${data.train.count} training images`);
    applyBackend(flags);
    const { model, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
    const which = flags.checkpoint;
    const gallery = trainingGallery({
      model,
      checkpoint: file,
      which,
      dataset: data.train,
      dataDescription: data.description,
    });
    const count = queries.names.length;
    const asDataset = { ...queries, labels: new Uint8Array(count), count, source: 'predict' };
    const embeddings = embedDataset(model, asDataset).data as Float32Array;
    const predictions = classifyByNeighbors(embeddings, gallery.embeddings, gallery.labels, gallery.dim, flags.k);
    reportPredictions(queries.names, predictions, flags.json === true);
  });
}
