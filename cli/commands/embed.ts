import { Command } from 'commander';
import { embedDataset, embeddingsTsv, loadTrainedModel } from '../../lib';
import { writeFileAtomic } from '../../lib/util/files';
import { applyBackend, BackendFlags, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, loadData, readExperiment } from '../experiment';
import { checkpointChoice, splitChoice } from '../options';

interface EmbedFlags extends BackendFlags {
  model_dir?: string;
  data_dir?: string;
  checkpoint: 'last' | 'best';
  split: 'test' | 'train';
  out: string;
}

/** FILE.tsv → FILE.labels.tsv (any other name gets .labels.tsv appended). */
export function labelsFileFor(out: string): string {
  return out.endsWith('.tsv') ? `${out.slice(0, -4)}.labels.tsv` : `${out}.labels.tsv`;
}

export function embedCommand(): Command {
  const command = new Command('embed')
    .summary('write the embeddings of a data split as TSV')
    .description(
      'Write the embeddings of the test (or training) images as a TSV file, one row per image, and their labels\nbeside it (FILE.labels.tsv), for other tools: the TensorBoard projector, pandas, R, …',
    )
    .requiredOption('--out <file>', 'where to write the embeddings (TSV)')
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]')
    .option('--split <split>', 'test or train', splitChoice, 'test')
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last');
  return withBackendOptions(command).action((flags: EmbedFlags) => {
    const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
    const data = loadData(flags.data_dir, params);
    applyBackend(flags);
    const { model, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
    const dataset = flags.split === 'train' ? data.train : data.test;
    const embeddings = embedDataset(model, dataset);
    const [n, dim] = embeddings.shape;
    writeFileAtomic(flags.out, embeddingsTsv(embeddings));
    const labelsFile = labelsFileFor(flags.out);
    writeFileAtomic(labelsFile, Array.from(dataset.labels).join('\n') + '\n');
    console.log(
      `wrote ${n} embeddings of size ${dim} (${flags.split} split, ${file}) to ${flags.out}, and their labels to ${labelsFile}`,
    );
  });
}
