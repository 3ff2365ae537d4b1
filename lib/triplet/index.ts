export { batchAllTripletLoss, BatchAllResult } from './batch-all';
export { batchHardTripletLoss, BatchHardResult } from './batch-hard';
export { batchSemiHardTripletLoss, BatchSemiHardResult } from './batch-semihard';
export { DistanceOptions, pairwiseDistances } from './distances';
export { Labels } from './labels';
export { TripletLossOptions } from './loss-options';
export { anchorNegativeMask, anchorPositiveMask, MaskOptions, tripletMask } from './masks';
export * from './metrics';
