import * as fs from 'node:fs';
import { getBackend, Rng } from '../autograd';
import { CheckpointDir, CheckpointError, CheckpointMeta, EmbeddingNet, loadCheckpoint, restoreCheckpoint } from '../nn';
import { buildModel } from './model';
import { ConfigError, Params } from './params';

/** The network of a model_dir with the weights of its last (or best) checkpoint, in evaluation mode. */
export function loadTrainedModel(
  modelDir: string,
  params: Params,
  which: 'last' | 'best' = 'last',
): { model: EmbeddingNet; meta: CheckpointMeta; file: string } {
  const dir = new CheckpointDir(modelDir);
  const file = which === 'best' ? dir.best : dir.last;
  if (!fs.existsSync(file)) {
    const hint =
      which === 'best' && fs.existsSync(dir.last)
        ? ' (there is a last checkpoint: try --checkpoint last)'
        : ` (train first: npx triplet train --model_dir ${modelDir})`;
    throw new ConfigError(`no ${which} checkpoint in ${modelDir}${hint}`);
  }
  const model = buildModel(params, new Rng(params.seed));
  const meta = restoreCheckpoint(loadCheckpoint(file), { model }, file);
  const state = [...model.stateDict()];
  const poisoned = state[getBackend().firstNonFinite(state.map(([, t]) => t.storage))];
  if (poisoned) {
    throw new CheckpointError(
      `${file}: tensor '${poisoned[0]}' holds NaN or infinite values: the weights are poisoned, refusing to use them`,
    );
  }
  return { model: model.eval(), meta, file };
}
