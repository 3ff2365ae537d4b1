export { kmeans, KMeansOptions } from './kmeans';
export { classifyByNeighbors, Neighbor, Prediction } from './classify';
export { nearestNeighbors } from './neighbors';
export { normalizedMutualInformation } from './nmi';
export { embeddingMeanNorm, retrievalMetrics, RetrievalMetrics, RetrievalOptions } from './retrieval';
