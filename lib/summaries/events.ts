import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileError } from '../util/files';
import { maskedCrc32c } from './crc32c';
import { ProtoWriter } from './protobuf';

/**
 * TensorBoard event files, written without TensorFlow.
 * Each record is TFRecord-framed — u64le length, u32le masked CRC-32C of those 8 bytes, the data, u32le masked
 * CRC-32C of the data — and holds one `Event` protocol buffer: wall_time = 1 (double, seconds), step = 2 (int64),
 * file_version = 3 ("brain.Event:2", the first record), summary = 5, session_log = 7. A scalar is a
 * Summary.Value { tag = 1, simple_value = 2 (float) }; an image a Summary.Value { tag = 1, image = 4 } holding a
 * Summary.Image { height = 1, width = 2, colorspace = 3 (1: grey), encoded_image_string = 4 (PNG) }.
 */
export function frameRecord(data: Uint8Array): Buffer {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  const crc = (bytes: Uint8Array): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(maskedCrc32c(bytes));
    return b;
  };
  return Buffer.concat([length, crc(length), data, crc(data)]);
}

function event(step: number, fill: (e: ProtoWriter) => void, wallTime: number): Uint8Array {
  const e = new ProtoWriter().double(1, wallTime).varint(2, step);
  fill(e);
  return e.finish();
}

export class EventFileWriter {
  readonly file: string;

  /** A new events.out.tfevents.<seconds>.<host> file in `dir` (TensorBoard reads every such file of a run). */
  constructor(
    dir: string,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {
    const start = this.now();
    this.file = path.join(dir, `events.out.tfevents.${String(Math.floor(start)).padStart(10, '0')}.${os.hostname()}`);
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw fileError('write', this.file, error);
    }
    this.append(new ProtoWriter().double(1, start).string(3, 'brain.Event:2').finish());
  }

  private append(record: Uint8Array): void {
    try {
      fs.appendFileSync(this.file, frameRecord(record));
    } catch (error) {
      throw fileError('write', this.file, error);
    }
  }

  /** Scalars at a step, one Summary.Value each. */
  scalars(step: number, values: Record<string, number>): void {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(values))
      summary.message(1, new ProtoWriter().string(1, tag).float(2, value));
    this.append(event(step, (e) => e.message(5, summary), this.now()));
  }

  /** An image at a step: `png` as encoded, `colorspace` 1 for grey, 3 RGB, 4 RGBA (as tf.summary.image). */
  image(step: number, tag: string, png: Uint8Array, size: { height: number; width: number; colorspace: number }): void {
    const image = new ProtoWriter().varint(1, size.height).varint(2, size.width).varint(3, size.colorspace);
    image.bytesField(4, png);
    const summary = new ProtoWriter().message(1, new ProtoWriter().string(1, tag).message(4, image));
    this.append(event(step, (e) => e.message(5, summary), this.now()));
  }

  /**
   * A SessionLog START at the step a run resumes from: TensorBoard then drops whatever an earlier, interrupted
   * run logged after that step, so the curves do not double back.
   */
  sessionStart(step: number): void {
    this.append(event(step, (e) => e.message(7, new ProtoWriter().varint(1, 1)), this.now()));
  }
}
