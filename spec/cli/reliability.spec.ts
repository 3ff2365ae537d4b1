import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, Rng } from '../../lib';
import { runCli, runCliAsync } from '../support/cli';
import { fillDisk, makeReadOnly, releaseDisk, smallDisk, withSizeLimit } from '../support/disks';

const TINY = {
  num_channels: 4,
  embedding_size: 8,
  batch_size: 32,
  train_size: 256,
  eval_size: 64,
  save_summary_steps: 1,
};
const TEMP_FILE = /^\..*\.tmp-\d+$/;

function experiment(dir: string, params: object): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(params));
  return dir;
}

function tensorsOf(file: string): Map<string, Buffer> {
  const { tensors } = loadCheckpoint(file);
  return new Map(
    [...tensors].map(([name, t]) => [name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]),
  );
}

describe('cli: reliability — nothing is lost', () => {
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-reliable-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('survives SIGKILL at 10 random moments (some during a save): always a loadable checkpoint, resumed, and the same final weights', async () => {
    // 96 steps of ~15 ms: the run outlasts the kills' delays (50–450 ms), so they land rather than the run ending
    const params = { ...TINY, num_epochs: 12, save_checkpoint_steps: 1 };
    const straight = experiment(path.join(root, 'straight'), params);
    expect(runCli(['train', '--model_dir', straight, '--no-baselines']).code).to.equal(0);
    const killed = experiment(path.join(root, 'killed'), params);
    const rng = new Rng(99);
    let interruptedSaves = 0;
    let lastStep = 0;
    for (let kill = 0; kill < 10; kill++) {
      const duringSave = kill % 2 === 1;
      const delay = 50 + rng.int(400);
      let watcher: NodeJS.Timeout | undefined;
      let sent = false;
      const result = await runCliAsync(['train', '--model_dir', killed, '--no-baselines'], (stdout, signal) => {
        if (sent || !/^step \d+\//m.test(stdout)) return;
        sent = true;
        if (duringSave) {
          // kill the moment a checkpoint's temporary file exists: mid-write, before the rename
          watcher = setInterval(() => {
            if (fs.readdirSync(killed).some((name) => TEMP_FILE.test(name))) signal('SIGKILL');
          }, 1);
          setTimeout(() => signal('SIGKILL'), 3000);
        } else {
          setTimeout(() => signal('SIGKILL'), delay);
        }
      });
      clearInterval(watcher);
      if (result.signal !== 'SIGKILL') break; // the run finished before the kill
      if (lastStep > 0) expect(result.stdout).to.contain(`at step ${lastStep} (`);
      if (fs.readdirSync(killed).some((name) => TEMP_FILE.test(name))) interruptedSaves++;
      const meta = loadCheckpoint(path.join(killed, 'checkpoint-last.safetensors')).meta;
      expect(meta.step).to.be.at.least(lastStep);
      lastStep = meta.step;
    }
    expect(interruptedSaves, 'kills that landed in the middle of a save').to.be.at.least(1);
    const final = runCli(['train', '--model_dir', killed, '--no-baselines']);
    expect(final.code).to.equal(0);
    expect(fs.readdirSync(killed).filter((name) => TEMP_FILE.test(name) || name === '.lock')).to.deep.equal([]);
    const expected = tensorsOf(path.join(straight, 'checkpoint-last.safetensors'));
    const resumed = tensorsOf(path.join(killed, 'checkpoint-last.safetensors'));
    for (const [name, bytes] of expected) expect(resumed.get(name)!.equals(bytes), name).to.equal(true);
  });

  it('SIGTERM finishes the step, saves and exits 0', async () => {
    const dir = experiment(path.join(root, 'term'), { ...TINY, num_epochs: 50, save_checkpoint_steps: 1000 });
    let sent = false;
    const result = await runCliAsync(['train', '--model_dir', dir], (stdout, signal) => {
      if (!sent && /^step 3\//m.test(stdout)) {
        sent = true;
        signal('SIGTERM');
      }
    });
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(/SIGTERM: finishing this step and saving/);
    expect(loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta.step).to.be.at.least(3);
  });

  it('a second training on the same model_dir refuses with exit code 2 while the first runs', async () => {
    const dir = experiment(path.join(root, 'busy'), { ...TINY, num_epochs: 50 });
    let second: ReturnType<typeof runCli> | undefined;
    await runCliAsync(['train', '--model_dir', dir], (stdout, signal) => {
      if (!second && /^step 2\//m.test(stdout)) {
        second = runCli(['train', '--model_dir', dir]);
        signal('SIGINT');
      }
    });
    expect(second!.code).to.equal(2);
    expect(second!.stderr.trim()).to.match(
      /^triplet: .*busy is in use by another training \(pid \d+, since .*\); wait for it to finish or stop it$/,
    );
  });

  describe('a full or read-only disk when saving: one line, exit 1, the last checkpoint intact', () => {
    const disk = (): string => path.join(root, 'disk');
    afterEach(() => releaseDisk(disk()));

    function trainOneEpoch(): string {
      smallDisk(disk(), 1024);
      const dir = experiment(path.join(disk(), 'run'), { ...TINY, num_epochs: 1, save_checkpoint_steps: 1000 });
      expect(runCli(['train', '--model_dir', dir, '--no-baselines']).code).to.equal(0);
      fs.writeFileSync(
        path.join(dir, 'params.json'),
        JSON.stringify({ ...TINY, num_epochs: 2, save_checkpoint_steps: 1000 }),
      );
      return dir;
    }

    it('full', () => {
      const dir = trainOneEpoch();
      fillDisk(disk(), 32); // room for the lock, event files and CSVs, not for a 44 kB checkpoint
      const limited = withSizeLimit([], 20);
      const { code, stderr } = runCli(['train', '--model_dir', dir, '--no-baselines'], {
        command: limited.command,
        prefix: limited.args,
      });
      expect(code, stderr).to.equal(1);
      expect(stderr.trim()).to.match(
        /^triplet: cannot write .*checkpoint-last\.safetensors: (no space left on device \(ENOSPC\)|file too large .* \(EFBIG\))$/,
      );
      expect(loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta).to.deep.include({ step: 8, epoch: 1 });
    });

    it('read-only', () => {
      const dir = trainOneEpoch();
      makeReadOnly(disk());
      const train = runCli(['train', '--model_dir', dir]);
      expect(train.code).to.equal(1);
      expect(train.stderr.trim()).to.match(
        /^triplet: cannot write .*\.lock: (read-only file system \(EROFS\)|permission denied \(EACCES\))$/,
      );
      const evaluation = runCli(['eval', '--model_dir', dir, '--no-baselines']);
      expect(evaluation.code).to.equal(1);
      expect(evaluation.stderr.trim()).to.match(
        /^triplet: cannot write .*metrics_eval\.json: (read-only file system \(EROFS\)|permission denied \(EACCES\))$/,
      );
      expect(loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta.step).to.equal(8);
    });
  });

  describe('a damaged checkpoint is refused, never loaded as garbage', () => {
    let dir: string;
    let last: string;
    before(() => {
      dir = experiment(path.join(root, 'damaged'), { ...TINY, num_epochs: 1 });
      expect(runCli(['train', '--model_dir', dir, '--no-baselines']).code).to.equal(0);
      last = path.join(dir, 'checkpoint-last.safetensors');
    });

    const cases: Array<[string, (bytes: Buffer) => Buffer, RegExp]> = [
      [
        'truncated',
        (b) => b.subarray(0, b.length - 100),
        /^triplet: .*checkpoint-last\.safetensors: truncated or padded: \d+ bytes of tensor data expected, \d+ found$/,
      ],
      [
        'cut inside its header',
        (b) => b.subarray(0, 20),
        /^triplet: .*checkpoint-last\.safetensors: truncated or not a safetensors file/,
      ],
      [
        'a flipped byte',
        (b) => {
          const copy = Buffer.from(b);
          copy[copy.length - 5] ^= 1;
          return copy;
        },
        /^triplet: .*checkpoint-last\.safetensors: corrupted: checksum mismatch \(the file was changed after it was written\)$/,
      ],
      ['empty', () => Buffer.alloc(0), /^triplet: .*checkpoint-last\.safetensors: truncated \(0 bytes/],
    ];
    for (const [what, damage, message] of cases) {
      it(what, () => {
        const good = fs.readFileSync(last);
        fs.writeFileSync(last, damage(good));
        try {
          for (const args of [['eval'], ['embed', '--out', path.join(root, 'x.tsv')]]) {
            const command = args[0];
            const { code, stderr } = runCli([...args, '--model_dir', dir]);
            expect(code, `${command}: ${stderr}`).to.equal(1);
            expect(stderr.trim()).to.match(message);
          }
        } finally {
          fs.writeFileSync(last, good);
        }
      });
    }

    it('of another architecture: names the tensor and both shapes', () => {
      fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ ...TINY, num_epochs: 1, num_channels: 6 }));
      try {
        const { code, stderr } = runCli(['eval', '--model_dir', dir]);
        expect(code).to.equal(1);
        expect(stderr.trim()).to.match(
          /^triplet: .*checkpoint-last\.safetensors: tensor 'conv1\.weight' has shape \[3,3,1,4\] but the model expects \[3,3,1,6\]$/,
        );
      } finally {
        fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ ...TINY, num_epochs: 1 }));
      }
    });
  });
});
