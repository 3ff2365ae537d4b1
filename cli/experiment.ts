import * as path from 'node:path';
import {
  ConfigError,
  DataSplits,
  defaultParams,
  limitData,
  loadEmbeddedDigits,
  loadIdxDirectory,
  Params,
  PARAM_KEYS,
  parseParams,
} from '../lib';
import { pathExists, readFile, writeFileAtomic } from '../lib/util/files';

export const DEFAULT_MODEL_DIR = path.join('experiments', 'base_model');

export interface Experiment {
  modelDir: string;
  params: Params;
  /** Keys params.json left out, filled with defaults. */
  defaulted: Array<keyof Params>;
  /** A default params.json was written just now. */
  created: boolean;
}

/**
 * Reads MODEL_DIR/params.json. The default model_dir gets a default params.json when it has none (and says so);
 * any other folder must have one, so a typo in --model_dir does not silently start a new experiment.
 */
export function readExperiment(modelDir: string | undefined, options: { createDefault: boolean }): Experiment {
  const dir = modelDir ?? DEFAULT_MODEL_DIR;
  const file = path.join(dir, 'params.json');
  if (!pathExists(file)) {
    if (!options.createDefault || modelDir !== undefined) {
      throw new ConfigError(
        `${file}: no such file (create it — the README lists every key — or run without --model_dir to use ${DEFAULT_MODEL_DIR} with default parameters)`,
      );
    }
    const defaults = defaultParams();
    writeFileAtomic(file, JSON.stringify(defaults, null, 2) + '\n');
    return { modelDir: dir, params: defaults, defaulted: [], created: true };
  }
  const { params, defaulted } = parseParams(readFile(file).toString('utf8'), file);
  return { modelDir: dir, params, defaulted, created: false };
}

/** The embedded digits, or the IDX files of --data_dir; cut to train_size / eval_size. */
export function loadData(dataDir: string | undefined, params: Params): DataSplits {
  return limitData(dataDir === undefined ? loadEmbeddedDigits() : loadIdxDirectory(dataDir), params);
}

/** params with --seed applied, in the key order of the schema. */
export function withSeed(params: Params, seed: number | undefined): Params {
  const out = { ...params, seed: seed ?? params.seed };
  return Object.fromEntries(PARAM_KEYS.map((key) => [key, out[key]])) as unknown as Params;
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
export function subExperiment(
  parent: string,
  base: Params,
  param: string,
  text: string,
): { dir: string; params: Params } {
  const dir = path.join(parent, `${param}_${text}`);
  const file = path.join(dir, 'params.json');
  const wanted = JSON.stringify({ ...base, [param]: parseValue(text) }, null, 2) + '\n';
  const { params } = parseParams(wanted, file);
  if (pathExists(file)) {
    const existing = parseParams(readFile(file).toString('utf8'), file).params;
    if (JSON.stringify(existing) !== JSON.stringify(params))
      throw new ConfigError(`${file} exists with other parameters; remove ${dir} or use another parent_dir`);
  } else {
    writeFileAtomic(file, wanted);
  }
  return { dir, params };
}
