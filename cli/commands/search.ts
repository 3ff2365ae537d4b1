import { Command } from 'commander';
import {
  evaluateModel,
  EvalMetrics,
  loadTrainedModel,
  metricRecord,
  PARAM_KEYS,
  TrainingError,
  TrainOutcome,
} from '../../lib';
import { closest } from '../../lib/util/closest';
import { applyBackend, BackendFlags, describeBackend, withBackendOptions } from '../backend';
import { UsageError } from '../errors';
import { loadData, readExperiment, subExperiment } from '../experiment';
import { reportSearch, SearchResult } from '../report';
import { runTraining } from '../run-training';

interface SearchFlags extends BackendFlags {
  parent_dir: string;
  param: string;
  values: string;
  data_dir?: string;
}

export function searchCommand(): Command {
  const command = new Command('search')
    .summary('train one sub-experiment per value of a parameter, and rank them')
    .description(
      "As the original search_hyperparams.py: for each value, PARENT_DIR/<param>_<value>/ gets the parent's\n" +
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
    const values = flags.values
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) throw new UsageError('--values: give at least one value');
    const base = readExperiment(flags.parent_dir, { createDefault: false });
    const backend = describeBackend(applyBackend(flags));
    const runs = values.map((text) => ({ text, ...subExperiment(flags.parent_dir, base.params, flags.param, text) }));
    const results: SearchResult[] = [];
    for (const [k, run] of runs.entries()) {
      console.log(`\n[${k + 1}/${runs.length}] ${flags.param} = ${run.text}`);
      const data = loadData(flags.data_dir, run.params);
      let outcome: TrainOutcome;
      try {
        outcome = await runTraining({
          experiment: { modelDir: run.dir, params: run.params, defaulted: [], created: false },
          params: run.params,
          data,
          backend,
          baselines: false,
        });
      } catch (error) {
        // one value that diverges is a result of the search, not its end
        if (!(error instanceof TrainingError)) throw error;
        console.log(`  failed: ${error.message}`);
        results.push({ value: run.text, model_dir: run.dir, metrics: {}, error: error.message });
        continue;
      }
      if (outcome.status === 'interrupted') return; // Ctrl-C: the search resumes where it stopped when run again
      const metrics: EvalMetrics =
        outcome.metrics ?? evaluateModel(loadTrainedModel(run.dir, run.params).model, run.params, data.test);
      results.push({ value: run.text, model_dir: run.dir, metrics: metricRecord(metrics) });
    }
    reportSearch(flags.parent_dir, flags.param, results);
  });
}
