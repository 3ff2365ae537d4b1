/**
 * A very small WebAssembly emitter: just what the GEMM kernel needs, written from the binary format's
 * specification (no toolchain, no binary checked in). A module imports one memory and exports functions; a
 * function body is built with the helpers of `Code`.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128, the encoding of every count, index and offset. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128, for i32.const. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** Instructions, appended in order. Memory accesses take a static byte offset and the log2 of their alignment. */
export class Code {
  readonly bytes: number[] = [];

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...immediates);
  }

  get(local: number): this {
    return this.op(0x20, ...uleb(local));
  }
  set(local: number): this {
    return this.op(0x21, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(0x41, ...sleb(value));
  }
  add(): this {
    return this.op(0x6a); // i32.add
  }
  sub(): this {
    return this.op(0x6b); // i32.sub
  }
  mul(): this {
    return this.op(0x6c); // i32.mul
  }
  ltU(): this {
    return this.op(0x49); // i32.lt_u
  }
  eqz(): this {
    return this.op(0x45); // i32.eqz
  }
  /** block … end (a forward branch target), loop … end (a backward one), br_if depth, end. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  /**
   * `counter = start; block loop (exit unless counter < limit) … counter += step; br 0 end end`: a counted loop
   * from local `start` (or 0) up to local `limit`.
   */
  forLoop(counter: number, limit: number, body: () => void, options: { step?: number; start?: number } = {}): this {
    if (options.start === undefined) this.i32(0).set(counter);
    else this.get(options.start).set(counter);
    this.block().loop();
    this.get(counter).get(limit).ltU().eqz().brIf(1);
    body();
    this.get(counter).i32(options.step ?? 1).add().set(counter);
    return this.br(0).end().end();
  }
  end(): this {
    return this.op(0x0b);
  }
  v128Load(offset: number): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  v128Store(offset: number): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  /** Loads one f32 and repeats it in all four lanes. */
  load32Splat(offset: number): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  /** Lane-wise maximum; NaN in either lane gives NaN. */
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** Lane-wise a > b as all-ones or all-zeros lanes (false when either is NaN). */
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  /** Lanes of the first where the mask's bits are set, of the second elsewhere: (v1 & m) | (v2 & ~m). */
  bitselect(): this {
    return this.simd(0x52);
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  /** The i32x4 constant [0, 1, 2, 3]. */
  i32x4Iota(): this {
    return this.simd(0x0c, ...[0, 1, 2, 3].flatMap((v) => [v, 0, 0, 0]));
  }
  ne(): this {
    return this.op(0x47); // i32.ne
  }
  geS(): this {
    return this.op(0x4e); // i32.ge_s
  }
  ifThen(body: () => void): this {
    this.op(0x04, 0x40);
    body();
    return this.end();
  }
  ifElse(then: () => void, otherwise: () => void): this {
    this.op(0x04, 0x40);
    then();
    this.op(0x05);
    otherwise();
    return this.end();
  }
  tee(local: number): this {
    return this.op(0x22, ...uleb(local));
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
}

export interface FunctionSpec {
  name: string;
  params: number[];
  /** Extra locals after the parameters, by type. */
  locals: number[];
  body: Code;
}

/** A module importing `env.memory` (shared, up to `maxPages` of 64 KiB) and exporting the functions. */
export function moduleBytes(functions: readonly FunctionSpec[], maxPages: number): Uint8Array {
  const types = section(1, vector(functions.map((f) => [0x60, ...vector(f.params.map((t) => [t])), 0x00])));
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]]));
  const declarations = section(3, vector(functions.map((_, i) => uleb(i))));
  const exports = section(7, vector(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const bodies = functions.map((f) => {
    const groups = f.locals.map((type) => [...uleb(1), type]);
    const body = [...vector(groups), ...f.body.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const code = section(10, vector(bodies));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...declarations, ...exports, ...code]);
}
