import { expect } from 'chai';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Adam,
  batchAllTripletLoss,
  CheckpointDir,
  CheckpointError,
  decodeSafetensors,
  EmbeddingNet,
  encodeSafetensors,
  EmbeddingNetOptions,
  FileError,
  loadCheckpoint,
  randn,
  restoreCheckpoint,
  Rng,
  saveCheckpoint,
  writeFileAtomic,
} from '../../lib';

const OPTIONS: EmbeddingNetOptions = {
  imageSize: 8,
  numChannels: 4,
  embeddingSize: 5,
  useBatchNorm: true,
  bnMomentum: 0.9,
};
const LABELS = [0, 1, 2, 0, 1, 2, 0, 1];

function trainSteps(net: EmbeddingNet, adam: Adam, x: ReturnType<typeof randn>, steps: number): number[] {
  return Array.from({ length: steps }, () => {
    adam.zeroGrad();
    const { loss } = batchAllTripletLoss(LABELS, net.forward(x), 0.5);
    loss.backward();
    adam.step();
    return loss.item();
  });
}

/**
 * An independent reader of the safetensors layout, written from the format's description: u64 LE header length,
 * JSON header, then little-endian data at the given offsets.
 */
function tinySafetensorsReader(bytes: Buffer): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  values: (name: string) => number[];
} {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + n));
  const base = 8 + n;
  const values = (name: string): number[] => {
    const {
      dtype,
      data_offsets: [begin, end],
    } = header[name];
    const size = dtype === 'F32' ? 4 : 8;
    const out: number[] = [];
    for (let at = base + begin; at < base + end; at += size)
      out.push(size === 4 ? bytes.readFloatLE(at) : bytes.readDoubleLE(at));
    return out;
  };
  return { header, values };
}

describe('nn: checkpoints', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-ckpt-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function trained(): { net: EmbeddingNet; adam: Adam; rng: Rng; x: ReturnType<typeof randn> } {
    const rng = new Rng(5);
    const net = new EmbeddingNet(OPTIONS, rng);
    const adam = new Adam(net.namedParameters(), { lr: 1e-2 });
    const x = randn([8, 8, 8, 1], rng);
    trainSteps(net, adam, x, 3);
    return { net, adam, rng, x };
  }

  it('round-trips bit-exactly, and a restored run continues exactly as the original', () => {
    const { net, adam, rng, x } = trained();
    const file = path.join(dir, 'ckpt.safetensors');
    saveCheckpoint(file, {
      model: net,
      optimizer: adam,
      step: 3,
      epoch: 1,
      rng,
      params: { margin: 0.5 },
      metrics: { precisionAt1: 0.9 },
    });

    const other = new EmbeddingNet(OPTIONS, new Rng(99));
    const otherAdam = new Adam(other.namedParameters(), { lr: 1e-2 });
    const checkpoint = loadCheckpoint(file);
    const meta = restoreCheckpoint(checkpoint, { model: other, optimizer: otherAdam }, file);
    expect(meta).to.deep.include({ step: 3, epoch: 1, params: { margin: 0.5 }, metrics: { precisionAt1: 0.9 } });
    expect(meta.rng).to.deep.equal(rng.state());
    expect(otherAdam.iterations).to.equal(3);
    for (const [name, tensor] of net.stateDict()) {
      const restored = other.stateDict().get(name)!;
      expect(Buffer.from(restored.data.buffer).equals(Buffer.from(tensor.data.buffer)), name).to.equal(true);
    }
    expect(trainSteps(other, otherAdam, x, 3)).to.deep.equal(trainSteps(net, adam, x, 3));
  });

  it('is readable by an independent safetensors reader (names, dtypes, shapes, offsets, values)', () => {
    const { net, adam } = trained();
    const file = path.join(dir, 'ckpt.safetensors');
    saveCheckpoint(file, { model: net, optimizer: adam, step: 3, epoch: 0 });
    const bytes = fs.readFileSync(file);
    const { header, values } = tinySafetensorsReader(bytes);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).to.equal(0); // data aligned to 8 bytes
    expect(header.__metadata__).to.have.property('format', 'triplet-checkpoint/1');
    const weight = header['model.conv2.weight'];
    expect(weight.dtype).to.equal('F32');
    expect(weight.shape).to.deep.equal([3, 3, 4, 8]);
    const ours = net.stateDict().get('conv2.weight')!;
    expect(values('model.conv2.weight')).to.deep.equal(Array.from(ours.data));
    expect(values('model.bn1.movingVariance')).to.deep.equal(
      Array.from(net.stateDict().get('bn1.movingVariance')!.data),
    );
    expect(Object.keys(header)).to.include.members(['optimizer.m.dense.weight', 'optimizer.v.dense.weight']);
  });

  it('refuses a truncated file with a clear error', () => {
    const { net } = trained();
    const file = path.join(dir, 'ckpt.safetensors');
    saveCheckpoint(file, { model: net, step: 0, epoch: 0 });
    const bytes = fs.readFileSync(file);
    for (const keep of [4, 100, bytes.length - 10]) {
      fs.writeFileSync(file, bytes.subarray(0, keep));
      expect(() => loadCheckpoint(file)).to.throw(CheckpointError, /truncated/);
    }
  });

  it('refuses a corrupted file (one flipped byte in the weights) instead of loading garbage', () => {
    const { net } = trained();
    const file = path.join(dir, 'ckpt.safetensors');
    saveCheckpoint(file, { model: net, step: 0, epoch: 0 });
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0x40;
    fs.writeFileSync(file, bytes);
    expect(() => loadCheckpoint(file)).to.throw(
      CheckpointError,
      `${file}: corrupted: checksum mismatch (the file was changed after it was written)`,
    );
    fs.writeFileSync(file, Buffer.concat([Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{not json at all}')]));
    expect(() => loadCheckpoint(file)).to.throw(CheckpointError, 'corrupted: the header is not valid JSON');
  });

  it("loads a checkpoint whose tensors another writer reordered (as Python's safetensors sorts them)", () => {
    const file = path.join(dir, 'ckpt.safetensors');
    const model = new EmbeddingNet({ imageSize: 8, numChannels: 2, embeddingSize: 3 }, new Rng(2));
    saveCheckpoint(file, { model, step: 3, epoch: 1 });
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file), file);
    const reordered = new Map([...tensors].reverse());
    expect([...reordered.keys()]).to.not.deep.equal([...tensors.keys()]);
    fs.writeFileSync(file, encodeSafetensors(reordered, metadata));
    const loaded = loadCheckpoint(file);
    expect(loaded.meta.step).to.equal(3);
    expect(Array.from(loaded.tensors.get('model.dense.weight')!.data)).to.deep.equal(
      Array.from(tensors.get('model.dense.weight')!.data),
    );
    // a tensor renamed (same bytes) is a change the checksum sees
    const renamed = new Map(
      [...tensors].map(([name, t]) => [name === 'model.dense.bias' ? 'model.dense.bias2' : name, t]),
    );
    fs.writeFileSync(file, encodeSafetensors(renamed, metadata));
    expect(() => loadCheckpoint(file)).to.throw(CheckpointError, 'checksum mismatch');
  });

  /** A checkpoint with forged metadata whose checksum was made to match (as only a deliberate forger would). */
  function forged(meta: unknown): string {
    const file = path.join(dir, 'forged.safetensors');
    const model = new EmbeddingNet({ imageSize: 8, numChannels: 2, embeddingSize: 3 }, new Rng(2));
    saveCheckpoint(file, { model, step: 3, epoch: 1 });
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file), file);
    const metaJson = JSON.stringify(meta);
    const hash = createHash('sha256').update(metaJson);
    for (const name of [...tensors.keys()].sort()) {
      const t = tensors.get(name)!;
      hash.update(`\n${name} ${t.dtype} ${t.shape.join(',')}\n`);
      hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    fs.writeFileSync(file, encodeSafetensors(tensors, { ...metadata, meta: metaJson, sha256: hash.digest('hex') }));
    return file;
  }

  for (const [what, meta, message] of [
    ['null metadata', null, 'invalid metadata: expected an object, got null'],
    [
      'a negative step',
      { step: -5, epoch: 0, stepInEpoch: 0 },
      'invalid metadata: step must be a non-negative integer, got -5',
    ],
    [
      'a fractional epoch',
      { step: 5, epoch: 0.5, stepInEpoch: 0 },
      'invalid metadata: epoch must be a non-negative integer, got 0.5',
    ],
    [
      'params as a string',
      { step: 5, epoch: 0, stepInEpoch: 0, params: 'x' },
      'invalid metadata: params must be an object or null',
    ],
    [
      'a broken generator state',
      { step: 5, epoch: 0, stepInEpoch: 0, rng: [1, 2] },
      'invalid metadata: rng must be four integers or null',
    ],
  ] as const) {
    it(`refuses forged metadata — ${what} — naming the field (a CheckpointError, never an internal error)`, () => {
      const file = forged(meta);
      expect(() => loadCheckpoint(file)).to.throw(CheckpointError, `${file}: ${message}`);
    });
  }

  it('names the tensor and both shapes when the checkpoint is of another architecture, and changes nothing', () => {
    const { net } = trained();
    const file = path.join(dir, 'ckpt.safetensors');
    saveCheckpoint(file, { model: net, step: 0, epoch: 0 });
    const wider = new EmbeddingNet({ ...OPTIONS, numChannels: 6 }, new Rng(1));
    const before = Array.from(wider.stateDict().get('conv1.bias')!.data);
    expect(() => restoreCheckpoint(loadCheckpoint(file), { model: wider }, file)).to.throw(
      CheckpointError,
      `${file}: tensor 'conv1.weight' has shape [3,3,1,4] but the model expects [3,3,1,6]`,
    );
    expect(Array.from(wider.stateDict().get('conv1.bias')!.data)).to.deep.equal(before);
    const noBatchNorm = new EmbeddingNet({ ...OPTIONS, useBatchNorm: false }, new Rng(1));
    expect(() => restoreCheckpoint(loadCheckpoint(file), { model: noBatchNorm }, file)).to.throw(
      CheckpointError,
      /unexpected tensor 'bn1.gamma'/,
    );
    expect(() => loadCheckpoint(path.join(dir, 'missing.safetensors'))).to.throw(CheckpointError, /no checkpoint at/);
  });

  it('keeps the last checkpoint and the best one by a metric', () => {
    const { net } = trained();
    const ckpts = new CheckpointDir(dir);
    expect(ckpts.hasLast()).to.equal(false);
    ckpts.saveLast({ model: net, step: 1, epoch: 1 });
    expect(ckpts.hasLast()).to.equal(true);
    expect(
      ckpts.saveBestIfBetter({ model: net, step: 1, epoch: 1, metrics: { precisionAt1: 0.8 } }, 'precisionAt1'),
    ).to.equal(true);
    expect(
      ckpts.saveBestIfBetter({ model: net, step: 2, epoch: 2, metrics: { precisionAt1: 0.7 } }, 'precisionAt1'),
    ).to.equal(false);
    expect(
      ckpts.saveBestIfBetter({ model: net, step: 3, epoch: 3, metrics: { precisionAt1: 0.85 } }, 'precisionAt1'),
    ).to.equal(true);
    expect(loadCheckpoint(ckpts.best).meta.step).to.equal(3);
  });

  it('writes through a symbolic link (embed --out link.tsv): the link stays a link, its target gets the bytes', () => {
    const target = path.join(dir, 'real.tsv');
    const link = path.join(dir, 'link.tsv');
    const chain = path.join(dir, 'chain.tsv');
    fs.writeFileSync(target, 'old');
    fs.symlinkSync('real.tsv', link);
    fs.symlinkSync(link, chain);
    writeFileAtomic(chain, 'new contents');
    expect(fs.lstatSync(link).isSymbolicLink() && fs.lstatSync(chain).isSymbolicLink()).to.equal(true);
    expect(fs.readFileSync(target, 'utf8')).to.equal('new contents');
    fs.symlinkSync('missing.tsv', path.join(dir, 'dangling.tsv')); // a link to a file still to be made
    writeFileAtomic(path.join(dir, 'dangling.tsv'), 'made');
    expect(fs.readFileSync(path.join(dir, 'missing.tsv'), 'utf8')).to.equal('made');
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('writes atomically: no temporary file is left, and a failed write says which file and why', () => {
    const file = path.join(dir, 'a.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).to.equal('two');
    expect(fs.readdirSync(dir)).to.deep.equal(['a.txt']);
    const blocked = path.join(file, 'child.safetensors'); // a.txt is a file, not a directory
    expect(() => writeFileAtomic(blocked, 'x')).to.throw(FileError, `cannot write ${blocked}:`);
    expect(fs.readFileSync(file, 'utf8')).to.equal('two');
  });
});
