import * as fs from 'node:fs';
import { readSummaryCsv } from '../summaries';
import { Canvas } from './canvas';
import { linePanels, Panel } from './plots';

/**
 * The training curves from the summaries: the loss, the strategy's statistic (fraction of positive triplets, or
 * the hardest distances), and the test precision@1 after each evaluation — over the steps.
 */
export function trainingCurves(trainCsv: string, evalCsv: string | null): Canvas | null {
  if (!fs.existsSync(trainCsv)) return null;
  const train = readSummaryCsv(trainCsv);
  if (train.length === 0) return null;
  const series = (rows: Array<Record<string, number>>, key: string, name = key): Panel['series'][number] => {
    const kept = rows.filter((r) => r[key] !== undefined);
    return { name, xs: kept.map((r) => r.step), ys: kept.map((r) => r[key]) };
  };
  const panels: Panel[] = [{ title: 'training loss', series: [series(train, 'loss')] }];
  if (train.some((r) => r.fraction_positive_triplets !== undefined)) {
    panels.push({ title: 'fraction of positive triplets', series: [series(train, 'fraction_positive_triplets')] });
  } else {
    panels.push({
      title: 'hardest distances (batch mean)',
      series: [series(train, 'hardest_positive_dist', 'positive'), series(train, 'hardest_negative_dist', 'negative')],
    });
  }
  if (evalCsv && fs.existsSync(evalCsv)) {
    const evaluation = readSummaryCsv(evalCsv);
    if (evaluation.length > 0)
      panels.push({ title: 'test precision@1 (leave-one-out)', series: [series(evaluation, 'precision_at_1')] });
  }
  return linePanels(panels, { xLabel: 'step', integerX: true });
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export interface ReportPage {
  title: string;
  subtitle: string;
  /** Rows of the metrics table: the metric, then one value per column. */
  columns: string[];
  rows: Array<[string, ...Array<number | undefined>]>;
  pictures: Array<{ caption: string; png: Buffer }>;
  files: string[];
}

/** A page that opens anywhere, offline: the pictures are inlined as data URIs. */
export function reportHtml(page: ReportPage): string {
  const cell = (v: number | undefined): string => `<td>${v === undefined ? '—' : v.toFixed(4)}</td>`;
  const table = [
    `<tr><th>metric</th>${page.columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`,
    ...page.rows.map(([name, ...values]) => `<tr><td>${escape(name)}</td>${values.map(cell).join('')}</tr>`),
  ].join('\n');
  const pictures = page.pictures
    .map(
      (p) =>
        `<figure><img alt="${escape(p.caption)}" src="data:image/png;base64,${p.png.toString('base64')}"><figcaption>${escape(p.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: 1rem 0 2rem; } th, td { padding: .3rem .8rem; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; } img { max-width: 100%; border: 1px solid #eee; } figure { margin: 0 0 2rem; }
figcaption { color: #666; } code { background: #f4f4f4; padding: 0 .3rem; }
</style></head><body>
<h1>${escape(page.title)}</h1>
<p>${escape(page.subtitle)}</p>
<table>
${table}
</table>
${pictures}
<p>Files beside this page: ${page.files.map((f) => `<code>${escape(f)}</code>`).join(', ')}. For TensorBoard's projector: <code>tensorboard --logdir ${escape('<model_dir>')}</code>, tab "Projector".</p>
</body></html>
`;
}
