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

/**
 * Counts every typed array made from now until `stop()` — by a constructor, by `from`/`of`, and by the methods
 * that make one from another (map, slice, subarray, filter: their species is spied too) — and where each was made.
 */
export function spyTypedArrays(): { stop(): { count: number; sites: string[] } } {
  const names = [
    'Float32Array',
    'Float64Array',
    'Int32Array',
    'Uint8Array',
    'Uint32Array',
    'Int8Array',
    'Uint16Array',
    'Int16Array',
    'Uint8ClampedArray',
  ] as const;
  const globals = globalThis as unknown as Record<string, new (...args: unknown[]) => ArrayLike<number>>;
  const originals = names.map((name) => globals[name]);
  const sites: string[] = [];
  names.forEach((name, i) => {
    const Base = originals[i];
    const Spy = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        sites.push(
          `${name}(${this.length}) ${(new Error().stack ?? '')
            .split('\n')
            .slice(2, 4)
            .map((l) => l.trim())
            .join(' ← ')}`,
        );
      }
      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof Base;
      }
    };
    globals[name] = Spy;
    Object.defineProperty(Base, Symbol.species, { configurable: true, get: () => Spy });
  });
  return {
    stop() {
      names.forEach((name, i) => {
        globals[name] = originals[i];
        delete (originals[i] as unknown as Record<symbol, unknown>)[Symbol.species];
      });
      return { count: sites.length, sites };
    },
  };
}
