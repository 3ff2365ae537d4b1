// An independent protocol buffers reader for the specs (it shares nothing with lib/summaries/protobuf.ts).

export type Field = { wire: number; value: number | Buffer };

/** A generic protocol buffer reader: field number → the values seen (varint, fixed64, bytes, fixed32). */
export function readProto(bytes: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let at = 0;
  const varint = (): number => {
    let [value, shift] = [0, 1];
    for (;;) {
      const b = bytes[at++];
      value += (b & 0x7f) * shift;
      if (b < 0x80) return value;
      shift *= 128;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const [field, wire] = [Math.floor(key / 8), key % 8];
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) [value, at] = [bytes.readDoubleLE(at), at + 8];
    else if (wire === 5) [value, at] = [bytes.readFloatLE(at), at + 4];
    else if (wire === 2) {
      const length = varint();
      [value, at] = [bytes.subarray(at, at + length), at + length];
    } else throw new Error(`wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), { wire, value }]);
  }
  return fields;
}
