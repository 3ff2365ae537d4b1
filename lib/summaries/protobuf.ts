/**
 * Just enough of the protocol buffers wire format to write TensorBoard's Event and Summary messages: each field
 * is a key, (field number << 3) | wire type, then varint (0), 64-bit little-endian (1), length-delimited (2) or
 * 32-bit little-endian (5) data.
 */
export class ProtoWriter {
  private readonly bytes: number[] = [];

  private varintValue(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  private key(field: number, wireType: number): void {
    this.varintValue(field * 8 + wireType);
  }

  /** A non-negative integer (int64, uint32, enum) as a varint. */
  varint(field: number, value: number): this {
    this.key(field, 0);
    this.varintValue(value);
    return this;
  }

  double(field: number, value: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.bytes.push(...b);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varintValue(value.length);
    for (const byte of value) this.bytes.push(byte);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytesField(field, value.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}
