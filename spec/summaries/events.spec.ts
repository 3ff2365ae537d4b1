import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultParams, EvalMetrics, EventFileWriter, readSummaryCsv, StepReport, TrainingSummaries } from '../../lib';
import { PNG } from 'pngjs';
import { readProto } from '../support/proto';

/** CRC-32C computed bit by bit from its definition (no table), independent of lib/summaries/crc32c. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Undoes TensorFlow's mask: subtract the constant, rotate left by 15. */
function unmask(masked: number): number {
  const rotated = (masked - 0xa282ead8) >>> 0;
  return ((rotated >>> 17) | (rotated << 15)) >>> 0;
}

/** Reads a TFRecord file, checking every length and CRC, and decodes each Event. */
function readEvents(file: string): Array<{
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: Record<string, number>;
  images: Record<string, { height: number; width: number; colorspace: number; png: Buffer }>;
  sessionStart: boolean;
}> {
  const bytes = fs.readFileSync(file);
  const events = [];
  let at = 0;
  while (at < bytes.length) {
    const lengthBytes = bytes.subarray(at, at + 8);
    expect(unmask(bytes.readUInt32LE(at + 8)), `length CRC at byte ${at}`).to.equal(crc32cBitwise(lengthBytes));
    const length = Number(lengthBytes.readBigUInt64LE());
    const data = bytes.subarray(at + 12, at + 12 + length);
    expect(unmask(bytes.readUInt32LE(at + 12 + length)), `data CRC at byte ${at}`).to.equal(crc32cBitwise(data));
    at += 16 + length;
    const e = readProto(data);
    const scalars: Record<string, number> = {};
    const images: Record<string, { height: number; width: number; colorspace: number; png: Buffer }> = {};
    for (const value of e.get(5) ? (readProto(e.get(5)![0].value as Buffer).get(1) ?? []) : []) {
      const v = readProto(value.value as Buffer);
      const tag = (v.get(1)![0].value as Buffer).toString();
      if (v.has(2)) scalars[tag] = v.get(2)![0].value as number;
      if (v.has(4)) {
        const image = readProto(v.get(4)![0].value as Buffer);
        const field = (n: number): number => image.get(n)![0].value as number;
        images[tag] = {
          height: field(1),
          width: field(2),
          colorspace: field(3),
          png: image.get(4)![0].value as Buffer,
        };
      }
    }
    const log = e.get(7) ? readProto(e.get(7)![0].value as Buffer) : null;
    events.push({
      wallTime: e.get(1)![0].value as number,
      step: (e.get(2)?.[0].value as number) ?? 0,
      fileVersion: e.get(3) ? (e.get(3)![0].value as Buffer).toString() : undefined,
      scalars,
      images,
      sessionStart: log?.get(1)?.[0].value === 1,
    });
  }
  expect(at).to.equal(bytes.length);
  return events;
}

describe('summaries: TensorBoard event files, read back with an independent decoder', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-events-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the independent CRC-32C matches the standard check value', () => {
    expect(crc32cBitwise(Buffer.from('123456789'))).to.equal(0xe3069283);
  });

  it('frames records with masked CRC-32C and starts with the file version', () => {
    let clock = 1_700_000_000.25;
    const writer = new EventFileWriter(dir, () => (clock += 1));
    writer.scalars(50, { loss: 0.4312, fraction_positive_triplets: 0.25 });
    writer.scalars(100, { loss: 0.1 });
    expect(path.basename(writer.file)).to.match(/^events\.out\.tfevents\.1700000001\.[^/]+$/);
    const events = readEvents(writer.file);
    expect(events[0]).to.deep.include({ fileVersion: 'brain.Event:2', wallTime: 1_700_000_001.25 });
    expect(events[1]).to.deep.include({ step: 50, wallTime: 1_700_000_002.25 }); // the clock ticks once per event
    expect(events[1].scalars.loss).to.equal(Math.fround(0.4312));
    expect(events[1].scalars.fraction_positive_triplets).to.equal(0.25);
    expect(events[2]).to.deep.include({ step: 100 });
    expect(events[2].scalars).to.deep.equal({ loss: Math.fround(0.1) });
  });

  it("training summaries: the strategy's scalars in the model_dir, evaluation in model_dir/eval, and the same in summaries.csv", () => {
    const params = { ...defaultParams(), triplet_strategy: 'batch_hard' as const };
    const summaries = new TrainingSummaries(dir, params, 0, () => 1_800_000_000);
    const report = (step: number): StepReport => ({
      step,
      epoch: 0,
      stepInEpoch: step,
      stepsInEpoch: 10,
      totalSteps: 10,
      imagesPerSecond: 123,
      stats: { loss: step / 10, hardestPositiveDist: 1.5, hardestNegativeDist: 0.75, embeddingMeanNorm: 2 },
      firstImage: () => Float32Array.from({ length: 784 }, (_, i) => ((i * step) % 256) / 255),
    });
    summaries.training(report(5), 1_800_000_000);
    summaries.training(report(10), 1_800_000_001);
    summaries.evaluation(10, {
      loss: 0.3,
      embeddingMeanNorm: 2,
      precisionAt1: 0.9,
      recallAt: { 1: 0.9, 2: 0.95 },
      rPrecision: 0.7,
      mapAtR: 0.6,
      nmi: 0.8,
      queries: 100,
      images: 100,
    } as EvalMetrics);
    const train = readEvents(
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('events.'))
        .map((f) => path.join(dir, f))[0],
    );
    // each summary step: its scalars, then the batch's first image (the original's train_image)
    expect(train.map((e) => [e.step, Object.keys(e.images)])).to.deep.equal([
      [0, []],
      [5, []],
      [5, ['train_image']],
      [10, []],
      [10, ['train_image']],
    ]);
    for (const [k, step] of [
      [2, 5],
      [4, 10],
    ]) {
      const { height, width, colorspace, png } = train[k].images.train_image;
      expect([height, width, colorspace]).to.deep.equal([28, 28, 1]);
      const decoded = PNG.sync.read(png); // pngjs, a decoder of its own
      expect([decoded.width, decoded.height]).to.deep.equal([28, 28]);
      const grey = Array.from({ length: 784 }, (_, i) => decoded.data[4 * i]);
      expect(grey).to.deep.equal(Array.from({ length: 784 }, (_, i) => (i * step) % 256));
    }
    expect(Object.keys(train[1].scalars)).to.deep.equal([
      'loss',
      'hardest_positive_dist',
      'hardest_negative_dist',
      'embedding_mean_norm',
      'learning_rate',
      'images_per_second',
    ]);
    expect(train[3].scalars.loss).to.equal(1);
    const evalDir = path.join(dir, 'eval');
    const evaluation = readEvents(
      path.join(
        evalDir,
        fs.readdirSync(evalDir).find((f) => f.startsWith('events.'))!,
      ),
    );
    expect(evaluation[1].step).to.equal(10);
    expect(evaluation[1].scalars.precision_at_1).to.equal(Math.fround(0.9));
    expect(readSummaryCsv(path.join(dir, 'summaries.csv'))).to.deep.equal([
      {
        step: 5,
        wall_time: 1_800_000_000,
        loss: 0.5,
        hardest_positive_dist: 1.5,
        hardest_negative_dist: 0.75,
        embedding_mean_norm: 2,
        learning_rate: 0.001,
        images_per_second: 123,
      },
      {
        step: 10,
        wall_time: 1_800_000_001,
        loss: 1,
        hardest_positive_dist: 1.5,
        hardest_negative_dist: 0.75,
        embedding_mean_norm: 2,
        learning_rate: 0.001,
        images_per_second: 123,
      },
    ]);
    expect(readSummaryCsv(path.join(evalDir, 'summaries.csv'))[0]).to.deep.include({
      step: 10,
      precision_at_1: 0.9,
      map_at_r: 0.6,
    });
  });

  it('on resume: a SessionLog START at the resumed step, and the CSV rows after it dropped', () => {
    const params = defaultParams();
    const first = new TrainingSummaries(dir, params, 0, () => 1_800_000_000);
    for (const step of [5, 10, 15])
      first.training({
        step,
        epoch: 0,
        stepInEpoch: step,
        stepsInEpoch: 20,
        totalSteps: 20,
        imagesPerSecond: 1,
        stats: { loss: step, fractionPositive: 0.5, embeddingMeanNorm: 1 },
        firstImage: () => new Float32Array(784),
      });
    const resumed = new TrainingSummaries(dir, params, 10, () => 1_800_000_100);
    expect(readSummaryCsv(path.join(dir, 'summaries.csv')).map((r) => r.step)).to.deep.equal([5, 10]);
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('events.'))
      .sort();
    expect(files).to.have.length(2);
    const events = readEvents(path.join(dir, files[1]));
    expect(events[1]).to.deep.include({ step: 10, sessionStart: true });
    expect(resumed).to.be.instanceOf(TrainingSummaries);
  });
});
