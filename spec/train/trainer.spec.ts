import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { preflight } from '../../lib/train/preflight';
import { spyTypedArrays } from '../support/allocations';
import {
  ArrayArena,
  buildModel,
  CheckpointError,
  stepArena,
  ConfigError,
  DataSplits,
  defaultParams,
  limitData,
  loadCheckpoint,
  loadEmbeddedDigits,
  loadTrainedModel,
  lockModelDir,
  LockError,
  Params,
  Rng,
  saveCheckpoint,
  StepReport,
  trainModel,
  TrainingError,
} from '../../lib';

const tiny = (overrides: Partial<Params> = {}): Params => ({
  ...defaultParams(),
  num_epochs: 2,
  num_channels: 4,
  embedding_size: 8,
  batch_size: 32,
  train_size: 192,
  eval_size: 96,
  save_checkpoint_steps: 100,
  ...overrides,
});

describe('train: the training loop', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triplet-train-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(
    params: Params,
    data: DataSplits,
    stopAfter?: number,
  ): Promise<{ losses: number[]; status: string }> {
    const losses: number[] = [];
    const outcome = await trainModel({
      modelDir: dir,
      params,
      data,
      events: {
        onStep: (r: StepReport) => losses.push(r.stats.loss),
        shouldStop: () => stopAfter !== undefined && losses.length >= stopAfter,
      },
    });
    return { losses, status: outcome.status };
  }

  it('resumes an interrupted run exactly: the same losses and weights as an uninterrupted one', async () => {
    const params = tiny();
    const data = limitData(loadEmbeddedDigits(), params);
    const straight = await run(params, data);
    expect(straight.status).to.equal('finished');
    expect(straight.losses).to.have.length(12); // 2 epochs of 192 / 32
    const weights = fs.readFileSync(path.join(dir, 'checkpoint-last.safetensors'));
    fs.rmSync(dir, { recursive: true });
    fs.mkdirSync(dir);
    const first = await run(params, data, 8); // stops in the middle of the second epoch
    expect(first.status).to.equal('interrupted');
    expect(loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta).to.deep.include({
      step: 8,
      epoch: 1,
      stepInEpoch: 2,
    });
    const second = await run(params, data);
    expect([...first.losses, ...second.losses]).to.deep.equal(straight.losses);
    const resumedWeights = loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors'));
    fs.writeFileSync(path.join(dir, 'straight.safetensors'), weights);
    const straightWeights = loadCheckpoint(path.join(dir, 'straight.safetensors'));
    for (const [name, t] of straightWeights.tensors) {
      expect(
        Buffer.from(resumedWeights.tensors.get(name)!.data.buffer).equals(Buffer.from(t.data.buffer)),
        name,
      ).to.equal(true);
    }
  });

  it("reuses each step's arrays: none made new after the first step, and the same losses and weights as without reuse", async () => {
    const params = tiny({ num_epochs: 1, use_batch_norm: true, learning_rate: 1e-2 });
    const data = limitData(loadEmbeddedDigits(), params);
    const train = async (
      arena: ArrayArena | false,
    ): Promise<{ losses: number[]; created: number[]; weights: Buffer; grads: unknown[] }> => {
      const [losses, created]: number[][] = [[], []];
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      const { model } = await trainModel({
        modelDir: dir,
        params,
        data,
        arena,
        events: { onStep: (r) => (losses.push(r.stats.loss), created.push(arena ? arena.created : 0)) },
      });
      const grads = model.parameters().map((p) => p.grad);
      return { losses, created, weights: fs.readFileSync(path.join(dir, 'checkpoint-last.safetensors')), grads };
    };
    const fresh = await train(false);
    const arena = stepArena(); // as training makes it: in the backend's memory
    arena.poison = true; // a reclaimed array still read by anything would turn the losses to NaN
    const reused = await train(arena);
    expect(reused.losses).to.deep.equal(fresh.losses);
    expect(reused.weights.equals(fresh.weights)).to.equal(true);
    expect(reused.created[0]).to.be.greaterThan(20);
    expect(reused.created.slice(1)).to.deep.equal(new Array(reused.created.length - 1).fill(reused.created[0]));
    // the gradients were the steps' arrays: dropped with them, so no parameter points at an array the arena took back
    expect(reused.grads).to.deep.equal(reused.grads.map(() => null));
  });

  for (const strategy of ['batch_all', 'batch_hard'] as const) {
    it(`makes no typed array at all in a step after the first (${strategy}, the original's network): every array reused`, async () => {
      const params = {
        ...defaultParams(),
        num_epochs: 1,
        batch_size: 64,
        train_size: 256,
        eval_size: 64,
        triplet_strategy: strategy,
        save_checkpoint_steps: 100,
      };
      const counts: Array<{ count: number; sites: string[] }> = [];
      let spy: ReturnType<typeof spyTypedArrays> | null = null;
      // counted from the end of one step to the end of the next: the whole of a step, the trainer's own work too
      const onStep = (): void => {
        if (spy) counts.push(spy.stop());
        spy = spyTypedArrays();
      };
      try {
        await trainModel({ modelDir: dir, params, data: limitData(loadEmbeddedDigits(), params), events: { onStep } });
      } finally {
        (spy as ReturnType<typeof spyTypedArrays> | null)?.stop();
      }
      expect(counts.length).to.be.at.least(2);
      for (const { count, sites } of counts)
        expect(count, `typed arrays made in a step:\n${[...new Set(sites)].join('\n')}`).to.equal(0);
    });
  }

  it('evaluates on the test set and keeps the best checkpoint with its metrics', async () => {
    const params = tiny({ num_epochs: 1 });
    const outcome = await trainModel({ modelDir: dir, params, data: limitData(loadEmbeddedDigits(), params) });
    expect(outcome.metrics!.images).to.equal(96);
    expect(outcome.metrics!.precisionAt1).to.be.within(0, 1);
    const best = loadCheckpoint(path.join(dir, 'checkpoint-best.safetensors'));
    expect(best.meta.metrics!.precisionAt1).to.equal(outcome.metrics!.precisionAt1);
    expect(best.meta.params).to.deep.include({ num_channels: 4, seed: 230 });
  });

  it('refuses to resume a checkpoint of another architecture, naming the key', async () => {
    const params = tiny({ num_epochs: 1 });
    const data = limitData(loadEmbeddedDigits(), params);
    await trainModel({ modelDir: dir, params, data });
    await trainModel({ modelDir: dir, params: { ...params, num_channels: 6, num_epochs: 2 }, data }).then(
      () => expect.fail('resumed a different architecture'),
      (error: Error) => {
        expect(error).to.be.instanceOf(ConfigError);
        expect(error.message).to.match(
          /^params\.json sets num_channels to 6 but .*checkpoint-last\.safetensors was trained with 4/,
        );
      },
    );
    // another strategy would silently drop the summaries' columns: another experiment, pointed to --init-from
    const last = path.join(dir, 'checkpoint-last.safetensors');
    await trainModel({
      modelDir: dir,
      params: { ...params, triplet_strategy: 'batch_hard', num_epochs: 2 },
      data,
    }).then(
      () => expect.fail('resumed with another strategy'),
      (error: Error) =>
        expect(error.message).to.equal(
          `params.json sets triplet_strategy to batch_hard but ${last} was trained with batch_all: use another model_dir, or set it back (to go on from these weights: another model_dir and --init-from ${last})`,
        ),
    );
  });

  it('stops with the step and the tensor when the loss becomes NaN, leaving the last good checkpoint', async () => {
    const params = tiny({ num_epochs: 1, save_checkpoint_steps: 2 });
    const data = limitData(loadEmbeddedDigits(), params);
    const poisoned = { ...data, train: { ...data.train, images: data.train.images.slice() } };
    let calls = 0;
    const error = await trainModel({
      modelDir: dir,
      params,
      data: poisoned,
      events: {
        onStep: () => {
          if (++calls === 3) poisoned.train.images.fill(NaN); // from step 4 on, every batch is NaN
        },
      },
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(TrainingError);
    expect(error!.message).to.match(
      /^step 4: the loss is not finite \(NaN or infinite\); nothing was saved, the last good checkpoint stays at .*checkpoint-last\.safetensors/,
    );
    expect(loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta.step).to.equal(2);
  });

  it('at the first step, says no checkpoint exists yet and that the learning rate cannot be the cause', async () => {
    const params = tiny({ num_epochs: 1 });
    const data = limitData(loadEmbeddedDigits(), params);
    const poisoned = { ...data, train: { ...data.train, images: data.train.images.slice().fill(NaN) } };
    const error = await trainModel({ modelDir: dir, params, data: poisoned }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(TrainingError);
    expect(error!.message).to.equal(
      'step 1: the loss is not finite (NaN or infinite); nothing was saved, and no checkpoint had been written yet (before any update, so not the learning rate: check the data and params.json)',
    );
  });

  it('never saves non-finite weights (finite gradients, an update too large), and eval refuses a poisoned checkpoint', async () => {
    const params = tiny({ num_epochs: 1, save_checkpoint_steps: 1, learning_rate: 1e300 });
    const error = await trainModel({ modelDir: dir, params, data: limitData(loadEmbeddedDigits(), params) }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(TrainingError);
    expect(error!.message).to.match(
      /^step 1: \S+ \(after the update\) is not finite \(NaN or infinite\); nothing was saved, and no checkpoint had been written yet \(try a lower learning_rate than 1e\+300\)$/,
    );
    expect(fs.existsSync(path.join(dir, 'checkpoint-last.safetensors'))).to.equal(false);
    const model = buildModel(params, new Rng(1));
    model.stateDict().get('dense.bias')!.data[3] = Infinity;
    fs.writeFileSync(path.join(dir, 'params.json'), JSON.stringify(params));
    saveCheckpoint(path.join(dir, 'checkpoint-last.safetensors'), { model, step: 5, epoch: 0, params: { ...params } });
    expect(() => loadTrainedModel(dir, params)).to.throw(
      CheckpointError,
      `${path.join(dir, 'checkpoint-last.safetensors')}: tensor 'dense.bias' holds NaN or infinite values: the weights are poisoned, refusing to use them`,
    );
  });

  it('finishes on the next run an evaluation the last one did not (a crash during it): metrics, best checkpoint, events', async () => {
    const params = tiny({ num_epochs: 1 });
    const data = limitData(loadEmbeddedDigits(), params);
    const crash = await trainModel({
      modelDir: dir,
      params,
      data,
      events: {
        onEvaluationStart: () => {
          throw new Error('the machine went down');
        },
      },
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(crash!.message).to.equal('the machine went down');
    const saved = loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta;
    expect(saved).to.deep.include({ epoch: 1, pendingEvaluation: true, metrics: null });
    expect(fs.existsSync(path.join(dir, 'checkpoint-best.safetensors'))).to.equal(false);
    const evaluations: number[] = [];
    const outcome = await trainModel({
      modelDir: dir,
      params,
      data,
      events: { onEvaluation: (_epoch, step) => evaluations.push(step) },
    });
    expect(outcome.status).to.equal('finished');
    expect(evaluations).to.deep.equal([saved.step]);
    expect(outcome.metrics!.precisionAt1).to.be.within(0, 1);
    const after = loadCheckpoint(path.join(dir, 'checkpoint-last.safetensors')).meta;
    expect(after.pendingEvaluation).to.equal(undefined);
    expect(after.metrics!.precisionAt1).to.equal(outcome.metrics!.precisionAt1);
    expect(loadCheckpoint(path.join(dir, 'checkpoint-best.safetensors')).meta.step).to.equal(saved.step);
    const third = await trainModel({ modelDir: dir, params, data });
    expect([third.status, third.metrics!.precisionAt1]).to.deep.equal([
      'already-trained',
      outcome.metrics!.precisionAt1,
    ]);
  });

  it('counts the steps it will really take: the balanced sampler, and a resume with a smaller train_size', async () => {
    const seen = async (params: Params, stop?: number): Promise<Array<[number, number]>> => {
      const steps: Array<[number, number]> = [];
      await trainModel({
        modelDir: dir,
        params,
        data: limitData(loadEmbeddedDigits(), params),
        events: { onStep: (r) => steps.push([r.step, r.totalSteps]), shouldStop: () => steps.length === stop },
      });
      return steps;
    };
    const balanced = await seen(tiny({ num_epochs: 3, sampler: 'balanced', images_per_class: 4, train_size: 300 }));
    const total = balanced[0][1];
    expect(balanced.map(([, t]) => t)).to.deep.equal(balanced.map(() => total));
    expect(balanced.map(([s]) => s)).to.deep.equal(balanced.map((_, i) => i + 1)); // and it ends exactly there
    expect(balanced.length).to.equal(total);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const first = await seen(tiny({ num_epochs: 2, train_size: 192 }), 4); // 6 steps an epoch; stopped after 4
    expect(first.at(-1)).to.deep.equal([4, 12]);
    const resumed = await seen(tiny({ num_epochs: 2, train_size: 64 })); // 2 steps an epoch now
    expect(resumed).to.deep.equal([
      [5, 6],
      [6, 6],
    ]);
  });

  it('refuses before any step a network too large to allocate or to fit in memory, and a test split without one pair', async () => {
    const data = limitData(loadEmbeddedDigits(), tiny());
    expect(() => preflight({ ...tiny(), num_channels: 100_000 }, data)).to.throw(
      ConfigError,
      `image_size 28, num_channels 100000, embedding_size 8, batch_size 32: the second convolution’s filters would hold 1.80e+11 values, more than one array can (2147483647)`,
    );
    expect(() => preflight({ ...tiny(), num_channels: 512 }, data, 2 ** 30)).to.throw(
      ConfigError,
      /^image_size 28, num_channels 512, embedding_size 8, batch_size 32: a training step would need about 3\.\d GB, the machine has 1\.0 GB: lower num_channels, batch_size or image_size$/,
    );
    expect(() => preflight(tiny(), data)).to.not.throw();
    // two test images of different labels: no query has another image of its label to find
    const firstOfTwoLabels = [data.test.labels.indexOf(0), data.test.labels.indexOf(1)];
    const pixels = 28 * 28;
    const test = {
      ...data.test,
      count: 2,
      labels: Uint8Array.from(firstOfTwoLabels.map((i) => data.test.labels[i])),
      images: Float32Array.from(
        firstOfTwoLabels.flatMap((i) => [...data.test.images.subarray(i * pixels, (i + 1) * pixels)]),
      ),
    };
    const refused = await trainModel({ modelDir: dir, params: tiny(), data: { ...data, test } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(refused).to.be.instanceOf(ConfigError);
    expect(refused!.message).to.equal(
      'the test split (2 images) has no two images of one label: the retrieval metrics need one pair at least (raise eval_size)',
    );
    expect(fs.readdirSync(dir)).to.deep.equal([]); // nothing written
  });

  it('locks the model_dir against a second training, and takes over a lock left by a dead process', () => {
    const release = lockModelDir(dir);
    expect(() => lockModelDir(dir)).to.throw(LockError, /is in use by another training \(pid \d+, since /);
    release();
    fs.writeFileSync(
      path.join(dir, '.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), since: 'long ago' }),
    );
    lockModelDir(dir)();
    expect(fs.existsSync(path.join(dir, '.lock'))).to.equal(false);
  });

  it("takes over a lock naming its own pid that it does not hold (a container's PID 1, SIGKILLed and restarted)", () => {
    const lock = path.join(dir, '.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), since: 'before the restart' }));
    const release = lockModelDir(dir);
    expect(JSON.parse(fs.readFileSync(lock, 'utf8')).since).to.not.equal('before the restart');
    release();
  });

  it("refuses another host's lock (it cannot tell whether that run lives), and a lock path that is a directory", () => {
    const lock = path.join(dir, '.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: 'elsewhere', since: 'today' }));
    expect(() => lockModelDir(dir)).to.throw(
      LockError,
      `${dir} is locked by a training on host elsewhere (pid ${process.pid}, since today); if none runs there, remove ${lock}`,
    );
    fs.rmSync(lock);
    fs.mkdirSync(lock);
    expect(() => lockModelDir(dir)).to.throw(LockError, `${lock} is not a lock file (not a regular file): remove it`);
  });
});
