/**
 * A very small WebAssembly emitter: just what the kernels need, written from the binary format's specification
 * (no toolchain, no binary checked in). A module imports one shared memory and exports functions; a function is
 * built with `WasmFunction` (named parameters and locals) and the instructions of `Code`, which read like the
 * stack machine they encode: `c.get(a).get(b).f32x4Add().set(sum)` is `sum = a + b`.
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

/** Four float32 values as the 16 little-endian bytes of a v128 constant. */
function f32x4Bytes(values: readonly number[]): number[] {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  return [...bytes];
}

/**
 * Instructions, appended in order. Memory accesses take a static byte offset (added to the address on the stack).
 * `fma` chooses how `madd` multiplies and adds: one relaxed-SIMD fused multiply-add (one rounding), or a multiply
 * then an add (two roundings) where relaxed SIMD is missing.
 */
export class Code {
  readonly bytes: number[] = [];

  constructor(readonly fma = false) {}

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...immediates);
  }

  // locals and constants
  get(local: number): this {
    return this.op(0x20, ...uleb(local));
  }
  set(local: number): this {
    return this.op(0x21, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(0x41, ...sleb(value));
  }
  drop(): this {
    return this.op(0x1a);
  }

  // i32 arithmetic and comparisons
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  eqz(): this {
    return this.op(0x45);
  }
  ne(): this {
    return this.op(0x47);
  }
  ltS(): this {
    return this.op(0x48);
  }
  ltU(): this {
    return this.op(0x49);
  }
  gtS(): this {
    return this.op(0x4a);
  }
  geS(): this {
    return this.op(0x4e);
  }
  and(): this {
    return this.op(0x71);
  }
  or(): this {
    return this.op(0x72);
  }
  /** a if c ≠ 0 else b, for [a, b, c] on the stack (any value type, vectors too). */
  select(): this {
    return this.op(0x1b);
  }
  shrU(): this {
    return this.op(0x76);
  }
  f32Const(value: number): this {
    return this.op(0x43, ...new Uint8Array(new Float32Array([value]).buffer));
  }
  f32Gt(): this {
    return this.op(0x5e);
  }
  /** local += value. */
  inc(local: number, value: number | (() => void)): this {
    this.get(local);
    if (typeof value === 'number') this.i32(value);
    else value();
    return this.add().set(local);
  }

  // control
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
  end(): this {
    return this.op(0x0b);
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
    this.get(counter)
      .i32(options.step ?? 1)
      .add()
      .set(counter);
    return this.br(0).end().end();
  }

  // memory: scalars
  f32Load(offset = 0): this {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  f32Store(offset = 0): this {
    return this.op(0x38, 2, ...uleb(offset));
  }
  i32Load(offset = 0): this {
    return this.op(0x28, 2, ...uleb(offset));
  }
  i32Store(offset = 0): this {
    return this.op(0x36, 2, ...uleb(offset));
  }
  f32Add(): this {
    return this.op(0x92);
  }
  /** memory.fill(address, byte, count) from the stack (bulk memory). */
  memoryFill(): this {
    return this.op(0xfc, ...uleb(11), 0x00);
  }

  // memory: vectors
  v128Load(offset = 0): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  /** Loads one f32 and repeats it in all four lanes. */
  load32Splat(offset = 0): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }

  // vectors
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  /** The constant (v, v, v, v). */
  f32x4Const(v: number): this {
    return this.simd(0x0c, ...f32x4Bytes([v, v, v, v]));
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  /** Lane-wise a ≠ b (true when either is NaN). */
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** 1 when any bit of the vector is set, else 0 (an i32). */
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  /**
   * Lane-wise `a < b ? b : a` (the "pseudo-maximum", one maxps on x86): with b = 0 it is the ReLU exactly as the
   * reference computes it — a NaN in a stays NaN, −0 stays −0 — and with b = −∞ it changes nothing.
   */
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  /** Lane-wise a > b as all-ones or all-zeros lanes (false when either is NaN). */
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  /** Lane-wise a < b as all-ones or all-zeros lanes (false when either is NaN). */
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  v128And(): this {
    return this.simd(0x4e);
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
  i32x4Sub(): this {
    return this.simd(0xb1);
  }
  /** Lane-wise a = b as all-ones or all-zeros lanes. */
  i32x4Eq(): this {
    return this.simd(0x37);
  }
  /** The i32x4 constant [0, 1, 2, 3]. */
  i32x4Iota(): this {
    return this.simd(0x0c, ...[0, 1, 2, 3].flatMap((v) => [v, 0, 0, 0]));
  }
  /**
   * acc = acc + a·b on vectors, each pushed by its callback: fused (relaxed SIMD's f32x4.relaxed_madd, which is
   * a·b + c with its operands in that order) or as a multiply and an add.
   */
  madd(acc: () => void, a: () => void, b: () => void): this {
    if (this.fma) {
      a();
      b();
      acc();
      return this.simd(0x105);
    }
    acc();
    a();
    b();
    return this.f32x4Mul().f32x4Add();
  }
}

/** The bytes of a function whose body uses f32x4.relaxed_madd: valid only where relaxed SIMD is on. */
export function relaxedProbe(): Uint8Array {
  const c = new Code(true);
  c.madd(
    () => c.v128Zero(),
    () => c.v128Zero(),
    () => c.v128Zero(),
  ).drop();
  return moduleBytes([{ name: 'probe', params: [], locals: [], body: c }], 1);
}

export interface FunctionSpec {
  name: string;
  params: number[];
  /** Extra locals after the parameters, by type. */
  locals: number[];
  body: Code;
}

/**
 * A function under construction: i32 parameters by name, locals made as needed, and its code. Names make the
 * kernels readable (`f.p.rows`, `const acc = f.v128()`) where raw local indices would not be.
 */
export class WasmFunction<P extends string> {
  readonly code: Code;
  /** The parameters' local indices, by name. */
  readonly p: Record<P, number>;
  private readonly types: number[] = [];
  private readonly count: number;

  constructor(
    readonly name: string,
    params: readonly P[],
    fma = false,
  ) {
    this.code = new Code(fma);
    this.p = Object.fromEntries(params.map((param, i) => [param, i])) as Record<P, number>;
    this.count = params.length;
  }

  i32(): number {
    this.types.push(I32);
    return this.count + this.types.length - 1;
  }

  v128(): number {
    this.types.push(V128);
    return this.count + this.types.length - 1;
  }

  /** n fresh locals of a type. */
  many(n: number, type: 'i32' | 'v128'): number[] {
    return Array.from({ length: n }, () => (type === 'i32' ? this.i32() : this.v128()));
  }

  spec(): FunctionSpec {
    return { name: this.name, params: new Array<number>(this.count).fill(I32), locals: this.types, body: this.code };
  }
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
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...types,
    ...imports,
    ...declarations,
    ...exports,
    ...code,
  ]);
}
