import { TripletError } from '../autograd';

/** A checkpoint or state dict that does not fit: missing, truncated, corrupted, or of another architecture. */
export class CheckpointError extends TripletError {}
