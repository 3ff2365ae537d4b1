import './checks';

export { baselineMetrics, embedDataset, EvalMetrics, evaluateModel, limitData } from './evaluate';
export { lockModelDir, LockError } from './lock';
export { BatchStats, buildModel, tripletLoss } from './model';
export {
  ARCHITECTURE_KEYS,
  checkField,
  ConfigError,
  defaultParams,
  PARAM_KEYS,
  Params,
  PARAMS_SCHEMA,
  parseParams,
  ParsedParams,
} from './params';
export { metricRecord, TrainingSummaries, trainingScalarNames } from './summaries';
export { Phase, StepProfiler } from './profile';
export { StartInfo, StepReport, TrainEvents, trainModel, TrainingError, TrainOptions, TrainOutcome } from './trainer';
export { loadTrainedModel } from './restore';
export { Gallery, trainingGallery } from './gallery';
