export { BatchOptions, epochBatches } from './batches';
export {
  checkAgainstParams,
  checkDataset,
  DataError,
  DataSplits,
  Dataset,
  imageBatch,
  labelBatch,
  take,
} from './dataset';
export { isTestImage, loadEmbeddedDigits, TEST_FRACTION } from './embedded';
export { IDX_FILES, IMAGES_MAGIC, LABELS_MAGIC, loadIdxDirectory, readIdxImages, readIdxLabels } from './idx';
export { NamedImages, readImageFiles } from './images';
