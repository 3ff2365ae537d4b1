/**
 * Every error this package throws on purpose is a `TripletError`, so a caller (the CLI among them) can tell
 * "the input was wrong, here is why" from a bug. Each subclass names a kind of mistake.
 */
export class TripletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation: `matmul: inner dimensions differ: [64,3136] x [3135,64]`. */
export class ShapeError extends TripletError {}

/** Mixed or unsupported dtypes: `add: dtypes differ: float32 and float64`. */
export class DTypeError extends TripletError {}

/** An argument of the right kind with a value that makes no sense (a negative size, an axis out of range). */
export class ValueError extends TripletError {}
