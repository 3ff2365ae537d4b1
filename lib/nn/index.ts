export {
  Checkpoint,
  CheckpointDir,
  CheckpointMeta,
  loadCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  TrainingParts,
} from './checkpoint';
export { EmbeddingNet, EmbeddingNetOptions } from './embedding-net';
export { CheckpointError } from './errors';
export { fans, glorotUniform, zeroParameter } from './init';
export { BatchNorm, BatchNormOptions } from './layers/batch-norm';
export { Conv2d, Conv2dLayerOptions } from './layers/conv2d';
export { Dense, DenseOptions } from './layers/dense';
export { Sequential } from './layers/sequential';
export { Flatten, MaxPool2d, ReLU } from './layers/simple';
export { Module, moduleCheck } from './module';
export { Adam, AdamOptions, AdamState } from './optim/adam';
export { holdInBackend, trainingState } from './residency';
export { decodeSafetensors, encodeSafetensors, Safetensors } from './safetensors';
export { encodeWeights, loadWeightsInto, portableName, WEIGHTS_FORMAT } from './weights';
