import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getBackend, StepProfiler } from '../../lib';
import { ndarray } from '../../lib/tensor/ndarray';
import { runCli } from '../support/cli';

function busyMs(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(ms * 1e6);
  while (process.hrtime.bigint() < end);
}

describe('train: StepProfiler', () => {
  it('charges time to the phase that was marked, and kernel time to the phase it ran in', () => {
    const profiler = new StepProfiler();
    try {
      const a = ndarray(new Float32Array(64 * 64).fill(1), [64, 64]);
      for (let step = 0; step < 2; step++) {
        profiler.beginStep();
        busyMs(4); // data
        profiler.mark('forward');
        const product = getBackend().matmul(a, a, false, false);
        expect(product.data[0]).to.equal(64); // the wrapped kernel still computes: a row of 64 ones · a column of 64 ones
        profiler.mark('backward');
        busyMs(8);
        profiler.endStep();
      }
      getBackend().matmul(a, a, false, false); // between steps: not counted
      const rows = Object.fromEntries(profiler.table().map((r) => [r.name.trim(), r]));
      expect(profiler.stepCount).to.equal(2);
      expect(rows.data.msPerStep).to.be.at.least(4);
      expect(rows.backward.msPerStep).to.be.at.least(8);
      expect(rows.backward.msPerStep).to.be.greaterThan(rows.data.msPerStep);
      const matmul = rows['matmul (dense, distances) 64×64×64'];
      expect(matmul.msPerStep).to.be.greaterThan(0).and.at.most(rows.forward.msPerStep);
      const phaseShare = ['data', 'forward', 'loss', 'backward', 'optimizer'].reduce(
        (sum, p) => sum + rows[p].share,
        0,
      );
      expect(phaseShare).to.be.closeTo(1, 1e-9);
      expect(rows.loss.msPerStep).to.equal(0);
      expect(
        profiler
          .table()
          .filter((r) => r.name.startsWith('  '))
          .map((r) => r.name.trim()),
      ).to.deep.equal(['matmul (dense, distances) 64×64×64']);
    } finally {
      profiler.stop();
    }
  });

  it('stop() puts the backend it wrapped back in use', () => {
    const before = getBackend();
    const profiler = new StepProfiler();
    expect(getBackend()).not.to.equal(before);
    expect(getBackend().name).to.equal(before.name);
    profiler.stop();
    expect(getBackend()).to.equal(before);
  });
});

describe('cli: train --profile', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-profile-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints each phase and the kernels inside it, per step', () => {
    fs.writeFileSync(
      path.join(dir, 'params.json'),
      JSON.stringify({
        num_epochs: 1,
        num_channels: 4,
        embedding_size: 8,
        batch_size: 32,
        train_size: 64,
        eval_size: 32,
      }),
    );
    const { code, stdout, stderr } = runCli(['train', '--model_dir', dir, '--no-baselines', '--profile']);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/where a training step's time goes \(mean of 2 steps, /);
    const table = stdout.slice(stdout.indexOf("where a training step's time goes"));
    // each kernel's row names the shape it ran on: the two conv layers of 4 and 8 channels (each with its max-pool)
    for (const row of [
      'data',
      'forward',
      '  conv2d forward \\(\\+ bias, relu, max-pool\\) 28×28×1→4',
      '  conv2d forward \\(\\+ bias, relu, max-pool\\) 14×14×4→8',
      'loss',
      'backward',
      '  conv2d backward 14×14×4→8',
      '  conv2d backward 28×28×1→4',
      'optimizer',
    ]) {
      expect(table, row).to.match(new RegExp(`^${row} +\\d+\\.\\d +\\d+%$`, 'm'));
    }
    expect(stdout).to.match(/\(mean of 2 steps, js \(\d threads?, /);
    expect(stdout).to.match(/^tasks run by each thread: main \d+%(, worker 1 \d+%)?$/m);
  });
});
