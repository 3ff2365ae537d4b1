/**
 * Runs fn while every typed array constructed (directly, or through map/slice/from) is measured, and returns the
 * largest length seen. The spies keep `instanceof` working for arrays made before or during the call.
 */
export function largestTypedArray<T>(fn: () => T): { result: T; largest: number } {
  const names = ['Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array', 'Uint32Array'] as const;
  const globals = globalThis as unknown as Record<string, new (...args: unknown[]) => ArrayLike<number>>;
  const originals = names.map((name) => globals[name]);
  let largest = 0;
  names.forEach((name, i) => {
    const Base = originals[i];
    const Spy = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        largest = Math.max(largest, this.length);
      }
      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof Base;
      }
    };
    globals[name] = Spy;
  });
  try {
    const result = fn();
    return { result, largest };
  } finally {
    names.forEach((name, i) => (globals[name] = originals[i]));
  }
}
