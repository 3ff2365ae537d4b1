import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, evaluateModel, EvalMetrics, loadTrainedModel, metricRecord, PARAM_KEYS, Params, parseParams } from '../../lib';
import { closest } from '../../lib/util/closest';
import { readFile, writeFileAtomic } from '../../lib/util/files';
import { applyBackend, BackendFlags, describeBackend, withBackendOptions } from '../backend';
import { loadData, readExperiment } from '../experiment';
import { UsageError } from '../errors';
import { formatTable } from '../table';
import { runTraining } from './train';

interface SearchFlags extends BackendFlags {
  parent_dir: string;
  param: string;
  values: string;
  data_dir?: string;
}

/** "1e-4" → 1e-4, "true" → true, anything that is not JSON stays a string ("batch_hard"). */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** PARENT/<param>_<value>/params.json: the parent's params with one value changed, checked like any params.json. */
function subExperiment(parent: string, base: Params, param: string, text: string): { dir: string; params: Params } {
  const dir = path.join(parent, `${param}_${text}`);
  const file = path.join(dir, 'params.json');
  const wanted = JSON.stringify({ ...base, [param]: parseValue(text) }, null, 2) + '\n';
  const { params } = parseParams(wanted, file);
  if (fs.existsSync(file)) {
    const existing = parseParams(readFile(file).toString('utf8'), file).params;
    if (JSON.stringify(existing) !== JSON.stringify(params)) throw new ConfigError(`${file} exists with other parameters; remove ${dir} or use another parent_dir`);
  } else {
    writeFileAtomic(file, wanted);
  }
  return { dir, params };
}

export function searchCommand(): Command {
  const command = new Command('search')
    .summary('train one sub-experiment per value of a parameter, and rank them')
    .description(
      'As the original search_hyperparams.py: for each value, PARENT_DIR/<param>_<value>/ gets the parent\'s\n' +
        'params.json with that value, and a full training (resumed if it was interrupted). Then a table of the final\n' +
        'test metrics, best precision@1 first, printed and saved as PARENT_DIR/search_results.json and .csv.',
    )
    .requiredOption('--parent_dir <dir>', 'folder with the base params.json')
    .option('--param <key>', 'the params.json key to vary', 'learning_rate')
    .option('--values <list>', 'comma-separated values', '1e-4,3e-4,1e-3,3e-3')
    .option('--data_dir <dir>', 'folder with the MNIST IDX files [default: the embedded digits]');
  return withBackendOptions(command).action(async (flags: SearchFlags) => {
    if (!(PARAM_KEYS as readonly string[]).includes(flags.param)) {
      const guess = closest(flags.param, PARAM_KEYS);
      throw new UsageError(`--param: unknown key '${flags.param}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
    }
    const values = flags.values.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) throw new UsageError('--values: give at least one value');
    const base = readExperiment(flags.parent_dir, { createDefault: false });
    const backend = describeBackend(applyBackend(flags));
    const runs = values.map((text) => ({ text, ...subExperiment(flags.parent_dir, base.params, flags.param, text) }));
    const results: Array<{ value: string; model_dir: string; metrics: Record<string, number> }> = [];
    for (const [k, run] of runs.entries()) {
      console.log(`\n[${k + 1}/${runs.length}] ${flags.param} = ${run.text}`);
      const data = loadData(flags.data_dir, run.params);
      const outcome = await runTraining({ experiment: { modelDir: run.dir, params: run.params, defaulted: [], created: false }, params: run.params, data, backend, baselines: false });
      if (outcome.status === 'interrupted') return; // Ctrl-C: the search resumes where it stopped when run again
      const metrics: EvalMetrics = outcome.metrics ?? evaluateModel(loadTrainedModel(run.dir, run.params).model, run.params, data.test);
      results.push({ value: run.text, model_dir: run.dir, metrics: metricRecord(metrics) });
    }
    results.sort((a, b) => b.metrics.precision_at_1 - a.metrics.precision_at_1);
    const columns = ['precision_at_1', 'map_at_r', 'r_precision', 'nmi', 'loss'];
    console.log(`\nsearch over ${flags.param}, best precision@1 first:\n`);
    console.log(formatTable([flags.param, ...columns], results.map((r) => [r.value, ...columns.map((c) => r.metrics[c]?.toFixed(4) ?? '—')])));
    const jsonFile = path.join(flags.parent_dir, 'search_results.json');
    const csvFile = path.join(flags.parent_dir, 'search_results.csv');
    writeFileAtomic(jsonFile, JSON.stringify({ param: flags.param, results }, null, 2) + '\n');
    const allColumns = Object.keys(results[0].metrics);
    writeFileAtomic(csvFile, [[flags.param, 'model_dir', ...allColumns].join(','), ...results.map((r) => [r.value, r.model_dir, ...allColumns.map((c) => r.metrics[c] ?? '')].join(','))].join('\n') + '\n');
    console.log(`\nwrote ${jsonFile} and ${csvFile}`);
  });
}
