export { kmeans, KMeansOptions } from './kmeans';
export { nearestNeighbors } from './neighbors';
export { normalizedMutualInformation } from './nmi';
export { embeddingMeanNorm, retrievalMetrics, RetrievalMetrics, RetrievalOptions } from './retrieval';
