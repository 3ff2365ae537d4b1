import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { embedDataset, evaluateModel, loadTrainedModel, metricRecord, reportHtml, Rng, scatterPlot, trainingCurves, tsne, writeProjector } from '../../lib';
import { writeFileAtomic } from '../../lib/util/files';
import { applyBackend, BackendFlags, withBackendOptions } from '../backend';
import { DEFAULT_MODEL_DIR, loadData, readExperiment } from '../experiment';
import { checkpointChoice, parseInteger } from '../options';

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
      'As the original visualize_embeddings.py, into MODEL_DIR/eval: the test embeddings for TensorBoard\'s projector\n' +
        '(embeddings.tsv, metadata.tsv, sprite.png, projector_config.pbtxt), and pictures to open directly: tsne.png\n' +
        '(a 2-D t-SNE map, perplexity 25, coloured by label), curves.png (loss, the strategy\'s statistic, test\n' +
        'precision@1 over the steps), and index.html showing them with the metrics.',
    )
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]')
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last')
    .option('--tsne-points <n>', 't-SNE is exact, O(N²): map at most this many test images (the first ones)', parseInteger('--tsne-points'), 2000);
  return withBackendOptions(command).action((flags: VisualizeFlags) => {
    const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
    const data = loadData(flags.data_dir, params);
    applyBackend(flags);
    const { model, meta, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
    const evalDir = path.join(modelDir, 'eval');
    const test = data.test;
    const embeddings = embedDataset(model, test);
    const written = writeProjector(evalDir, embeddings, test);

    const n = Math.min(Math.max(flags.tsnePoints, 3), test.count);
    console.log(`t-SNE of ${n} test embeddings (perplexity 25; exact, a few seconds per thousand points)…`);
    const dim = embeddings.shape[1];
    const map = tsne(embeddings.data.subarray(0, n * dim), n, dim, new Rng(params.seed));
    const tsnePng = scatterPlot(map, test.labels.subarray(0, n), { title: `t-sne of ${n} test embeddings (perplexity 25), step ${meta.step}` }).toPNG();
    writeFileAtomic(path.join(evalDir, 'tsne.png'), tsnePng);
    written.push(path.join(evalDir, 'tsne.png'));

    const curves = trainingCurves(path.join(modelDir, 'summaries.csv'), path.join(evalDir, 'summaries.csv'));
    if (curves) {
      writeFileAtomic(path.join(evalDir, 'curves.png'), curves.toPNG());
      written.push(path.join(evalDir, 'curves.png'));
    }

    const trained = metricRecord(evaluateModel(model, params, test));
    const saved = path.join(modelDir, 'metrics_eval.json');
    const baselines = fs.existsSync(saved) ? (JSON.parse(fs.readFileSync(saved, 'utf8')).baselines as Record<string, Record<string, number>> | undefined) : undefined;
    const columns = ['trained', ...(baselines ? ['untrained net', 'raw pixels'] : [])];
    const rows = Object.entries(trained).map(([name, value]): [string, ...Array<number | undefined>] =>
      baselines ? [name, value, baselines.untrained_net?.[name], baselines.raw_pixels?.[name]] : [name, value],
    );
    const pictures = [{ caption: `t-SNE map of ${n} test embeddings (perplexity 25), coloured by label`, png: tsnePng }];
    if (curves) pictures.push({ caption: 'training curves: the loss and its statistics over the steps, and test precision@1 after each evaluation', png: curves.toPNG() });
    const html = reportHtml({
      title: `triplet — ${modelDir}`,
      subtitle: `${file}, step ${meta.step}; ${params.triplet_strategy}; evaluated on ${test.count} test images (${data.description}), leave-one-out`,
      columns,
      rows,
      pictures,
      files: written.map((f) => path.basename(f)),
    });
    writeFileAtomic(path.join(evalDir, 'index.html'), html);
    written.push(path.join(evalDir, 'index.html'));
    console.log(`wrote\n${written.map((f) => `  ${f}`).join('\n')}\nopen ${path.join(evalDir, 'index.html')}, or run: tensorboard --logdir ${modelDir}`);
  });
}
