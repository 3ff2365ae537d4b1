import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DataSplits,
  Dataset,
  embedDataset,
  EmbeddingNet,
  evaluateModel,
  metricRecord,
  Params,
  reportHtml,
  Rng,
  scatterPlot,
  Tensor,
  trainingCurves,
  tsne,
  writeProjector,
} from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { metricsFile } from './report';

interface VisualReport {
  modelDir: string;
  params: Params;
  data: DataSplits;
  model: EmbeddingNet;
  /** The checkpoint the model came from, and its step. */
  file: string;
  step: number;
  tsnePoints: number;
}

type Picture = { caption: string; png: Buffer };

/**
 * What `visualize` writes into MODEL_DIR/eval: the projector files, a t-SNE map of the test embeddings, the
 * training curves, and index.html showing them with the metrics (and the baselines `train` or `eval` saved).
 */
export function writeVisualReport(report: VisualReport): void {
  const evalDir = path.join(report.modelDir, 'eval');
  const embeddings = embedDataset(report.model, report.data.test);
  const written = writeProjector(evalDir, embeddings, report.data.test);
  const save = (name: string, bytes: Buffer | string): void => {
    writeFileAtomic(path.join(evalDir, name), bytes);
    written.push(path.join(evalDir, name));
  };
  const pictures = [tsneMap(embeddings, report.data.test, report)];
  save('tsne.png', pictures[0].png);
  const curves = trainingCurves(path.join(report.modelDir, 'summaries.csv'), path.join(evalDir, 'summaries.csv'));
  if (curves) {
    pictures.push({
      caption:
        'training curves: the loss and its statistics over the steps, and test precision@1 after each evaluation',
      png: curves.toPNG(),
    });
    save('curves.png', pictures[1].png);
  }
  save('index.html', indexPage(report, pictures, [...written]));
  console.log(
    `wrote\n${written.map((f) => `  ${f}`).join('\n')}\nopen ${path.join(evalDir, 'index.html')}, or run: tensorboard --logdir ${report.modelDir}`,
  );
}

/** The map's perplexity: about how many neighbours each point's distribution covers. */
export const TSNE_PERPLEXITY = 25;

/** t-SNE is exact, O(N²): the first `tsnePoints` test images (more than the perplexity: the command checks). */
function tsneMap(embeddings: Tensor, test: Dataset, report: VisualReport): Picture {
  const n = Math.min(report.tsnePoints, test.count);
  console.log(
    `t-SNE of ${n} test embeddings (perplexity ${TSNE_PERPLEXITY}; exact, a few seconds per thousand points)…`,
  );
  const dim = embeddings.shape[1];
  const map = tsne(embeddings.data.subarray(0, n * dim), n, dim, new Rng(report.params.seed), {
    perplexity: TSNE_PERPLEXITY,
  });
  const png = scatterPlot(map, test.labels.subarray(0, n), {
    title: `t-sne of ${n} test embeddings (perplexity ${TSNE_PERPLEXITY}), step ${report.step}`,
  }).toPNG();
  return { caption: `t-SNE map of ${n} test embeddings (perplexity ${TSNE_PERPLEXITY}), coloured by label`, png };
}

/** The page: the metrics now, beside the baselines metrics_eval.json holds, the pictures, the files. */
function indexPage(
  { modelDir, params, data, model, file, step }: VisualReport,
  pictures: Picture[],
  files: string[],
): string {
  const trained = metricRecord(evaluateModel(model, params, data.test));
  const saved = metricsFile(modelDir);
  const baselines = fs.existsSync(saved)
    ? (JSON.parse(fs.readFileSync(saved, 'utf8')).baselines as Record<string, Record<string, number>> | undefined)
    : undefined;
  const rows = Object.entries(trained).map(([name, value]): [string, ...Array<number | undefined>] =>
    baselines ? [name, value, baselines.untrained_net?.[name], baselines.raw_pixels?.[name]] : [name, value],
  );
  return reportHtml({
    title: `triplet — ${modelDir}`,
    subtitle: `${file}, step ${step}; ${params.triplet_strategy}; evaluated on ${data.test.count} test images (${data.description}), leave-one-out`,
    columns: ['trained', ...(baselines ? ['untrained net', 'raw pixels'] : [])],
    rows,
    pictures,
    files: files.map((f) => path.basename(f)),
  });
}
