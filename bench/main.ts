#!/usr/bin/env node
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { batchAllTripletLoss, createJsBackend, randn, Rng, setBackend } from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { BATCH_SIZE } from './fixture';
import { benchmarkKernels, KernelRow, kernelTable } from './kernels';
import { machineScaling } from './machine';
import { formatRatio, measure } from './measure';
import { PeerChecks, PeerProcess, PeerSpec } from './peer-process';
import { WARMUP_STEPS } from './peers/protocol';
import { PYTHON_PEERS, pythonWith, writePythonFixture } from './peers/python';

/** Rounds of timing; in each, every peer trains STEPS steps then embeds the test images, one peer after another. */
const ROUNDS = 7;
const STEPS = 8;
const TEST_IMAGES = 1792;

interface PeerRun {
  spec: PeerSpec;
  checks?: PeerChecks;
  error?: string;
  /** Images per second, one entry per round. */
  train: number[];
  infer: number[];
  maxRssMiB?: number;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]
    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
};
/** The median of the round-by-round ratios: both peers measured in the same round, so the machine's drift cancels. */
const ratio = (a: readonly number[], b: readonly number[]): number => median(a.map((x, i) => x / b[i]));

function peerSpecs(threads: number, fixture: string): { specs: PeerSpec[]; skipped: string[] } {
  const node = process.execPath;
  const dir = path.join(__dirname, 'peers');
  const plural = (n: number): string => `${n} thread${n > 1 ? 's' : ''}`;
  const specs: PeerSpec[] = [
    {
      label: `triplet js, ${plural(threads)}`,
      threads,
      command: node,
      args: [path.join(dir, 'triplet.js'), 'js'],
      env: { TRIPLET_THREADS: String(threads) },
    },
    {
      label: 'triplet js, 1 thread',
      threads: 1,
      command: node,
      args: [path.join(dir, 'triplet.js'), 'js'],
      env: { TRIPLET_THREADS: '1' },
    },
  ];
  const skipped: string[] = [];
  for (const [name, module, script] of [
    ['PyTorch', 'torch', 'torch_peer.py'],
    ['TensorFlow', 'tensorflow', 'tf_peer.py'],
  ] as const) {
    const python = pythonWith(module);
    if (!python) {
      skipped.push(
        `(${name}: no Python with ${module} found — skipped; set TRIPLET_BENCH_PYTHON, see README "Performance")`,
      );
      continue;
    }
    for (const n of [threads, 1])
      specs.push({
        label: `${name}, ${plural(n)}`,
        threads: n,
        command: python,
        args: [path.join(PYTHON_PEERS, script), fixture, String(n)],
      });
  }
  specs.push({
    label: 'TensorFlow.js wasm, 1 thread (its only mode in Node)',
    threads: 1,
    command: node,
    args: [path.join(dir, 'tfjs.js'), 'wasm'],
  });
  return { specs, skipped };
}

/**
 * A pause between two peers' turns: OpenMP's and Eigen's threads (PyTorch's, TensorFlow's) keep spinning for a
 * while after their work, and would take the cores from the next peer's first steps.
 */
const SETTLE_MS = 300;

/** Every peer times the same steps and images, round after round, each round visiting the peers in a rotated order. */
async function timeRounds(runs: PeerRun[], peers: Map<PeerRun, PeerProcess>): Promise<void> {
  const live = runs.filter((r) => peers.has(r));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < live.length; k++) {
      const run = live[(k + round) % live.length];
      const peer = peers.get(run)!;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      run.train.push((STEPS * BATCH_SIZE) / (await peer.seconds(`train ${STEPS}`)));
      run.infer.push(TEST_IMAGES / (await peer.seconds('infer')));
    }
    process.stderr.write(`  round ${round + 1} of ${ROUNDS} done\n`);
  }
}

/** ✓ when a peer's value is within `tolerance` (relative) of ours. */
function agrees(value: number | undefined, ours: number | undefined, tolerance: number): boolean {
  return value !== undefined && ours !== undefined && Math.abs(value - ours) <= tolerance * Math.abs(ours);
}

function resultsTable(runs: PeerRun[], ours: PeerRun): { table: string; disagreements: string[] } {
  const disagreements: string[] = [];
  const rows = runs.map((r) => {
    if (!r.checks) return `| ${r.spec.label} | failed: ${r.error} | | | | | |`;
    const c = r.checks;
    const first = agrees(c.firstLoss, ours.checks?.firstLoss, 1e-5);
    const norm = agrees(c.gradNorm, ours.checks?.gradNorm, 1e-4);
    if (!first || !norm)
      disagreements.push(
        `${r.spec.label}: first loss ${c.firstLoss}, gradient norm ${c.gradNorm} (ours ${ours.checks?.firstLoss}, ${ours.checks?.gradNorm})`,
      );
    // Adam's variants part ways from the first update: PyTorch adds ε after the bias correction
    const sameAdam = agrees(c.loss6, ours.checks?.loss6, 1e-4);
    const spread = (xs: number[]): string =>
      `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    return `| ${r.spec.label} | ${c.firstLoss.toFixed(7)} ${first ? '✓' : '✗'} | ${c.gradNorm.toFixed(5)} ${norm ? '✓' : '✗'} | ${c.loss6.toFixed(5)} ${sameAdam ? '✓' : '≈'} | ${spread(r.train)} | ${spread(r.infer)} | ${r.maxRssMiB?.toFixed(0) ?? '—'} |`;
  });
  const header =
    '| peer | first loss (✓ within 1e-5 of ours) | gradient norm, step 1 (✓ 1e-4) | loss, step 6 (✓ 1e-4; ≈ another Adam) | train img/s, median (min–max) | inference img/s (batch 256) | peak RSS MiB |';
  return { table: [header, '|---|---|---|---|---|---|---|', ...rows].join('\n'), disagreements };
}

function ratioTable(runs: PeerRun[], threads: number): string {
  const ok = runs.filter((r) => r.checks && r.train.length === ROUNDS);
  const ours = (n: number): PeerRun | undefined =>
    ok.find((r) => r.spec.label.startsWith('triplet js') && r.spec.threads === n);
  const lines = ok
    .filter((r) => !r.spec.label.startsWith('triplet'))
    .map((r) => {
      const us = ours(r.spec.threads)!;
      return `| ${r.spec.label} | ${formatRatio(ratio(us.train, r.train))} | ${formatRatio(ratio(us.infer, r.infer))} |`;
    });
  const header = `| peer | our training ÷ theirs (same threads) | our inference ÷ theirs |`;
  const scaling = ['triplet js', 'PyTorch', 'TensorFlow'].flatMap((family) => {
    const [many, one] = [threads, 1].map((n) =>
      ok.find((r) => r.spec.label.startsWith(family) && r.spec.threads === n),
    );
    return many && one
      ? [
          `${family} ${formatRatio(ratio(many.train, one.train))} (inference ${formatRatio(ratio(many.infer, one.infer))})`,
        ]
      : [];
  });
  return (
    [header, '|---|---|---|', ...lines].join('\n') +
    `\n\nScaling from 1 to ${threads} threads, training: ${scaling.join('; ')}.`
  );
}

function batchAllAt1024(): number {
  setBackend('js');
  const labels = Array.from({ length: 1024 }, (_, i) => i % 10);
  const e = randn([1024, 64], new Rng(12), { requiresGrad: true });
  return measure(
    () => {
      e.zeroGrad();
      batchAllTripletLoss(labels, e, 0.5).loss.backward();
    },
    { maxRuns: 3, minSeconds: 0 },
  ).seconds;
}

async function main(argv: string[]): Promise<void> {
  const jsonAt = argv.indexOf('--json');
  const allKernels = argv.includes('--all-kernels');
  const backend = createJsBackend();
  const threads = backend.threads;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}`;
  console.log(
    `triplet benchmark — ${new Date().toISOString().slice(0, 10)} — ${machine} — js kernels: ${backend.kernel}\n`,
  );
  console.log(
    "Training and inference of the original's network (conv 32 → conv 64 → dense 64), batch 64, batch-all loss,",
  );
  console.log(
    `Adam — every peer in its own process, from the same initial weights, on the same batches; ${ROUNDS} rounds of`,
  );
  console.log(
    `${STEPS} training steps and ${TEST_IMAGES} test images each, the peers taking turns, after ${WARMUP_STEPS} warm-up steps:\n`,
  );

  const fixture = path.join(os.tmpdir(), `triplet-bench-${process.pid}.safetensors`);
  writePythonFixture(fixture);
  const { specs, skipped } = peerSpecs(threads, fixture);
  skipped.forEach((line) => console.log(line));
  const runs: PeerRun[] = specs.map((spec) => ({ spec, train: [], infer: [] }));
  const peers = new Map<PeerRun, PeerProcess>();
  process.stderr.write(`starting ${specs.length} peers…\n`);
  await Promise.all(
    runs.map(async (run) => {
      try {
        const { peer, checks } = await PeerProcess.start(run.spec);
        [run.checks] = [checks];
        peers.set(run, peer);
      } catch (error) {
        run.error = error instanceof Error ? error.message : String(error);
      }
    }),
  );
  try {
    await timeRounds(runs, peers);
    for (const [run, peer] of peers) run.maxRssMiB = await peer.quit();
  } finally {
    peers.forEach((peer) => peer.kill());
    fs.rmSync(fixture, { force: true });
  }

  const ours = runs[0];
  const { table, disagreements } = resultsTable(runs, ours);
  console.log((skipped.length ? '\n' : '') + table + '\n');
  console.log(ratioTable(runs, threads));
  const ceiling = await machineScaling(threads);
  console.log(
    `The machine itself in this run, ${threads} threads at once ÷ one alone: arithmetic (our register tile, operands in L1) ${formatRatio(ceiling.compute)}, memory traffic (32 MiB copies) ${formatRatio(ceiling.memory)} — the most that work bound by arithmetic, or by memory, can gain here.`,
  );
  const extra: Record<string, number> = {};
  if (ours.checks) {
    const rate = median(ours.train);
    extra.epochSeconds8000 = 8000 / rate;
    extra.epochSeconds60000 = 60000 / rate;
    console.log(
      `Time per epoch, derived from our median training rate (${threads} threads): ${extra.epochSeconds8000.toFixed(1)} s for the 8,000 embedded digits, ${extra.epochSeconds60000.toFixed(0)} s for MNIST's 60,000.`,
    );
  }
  extra.batchAll1024Seconds = batchAllAt1024();
  console.log(
    `Batch-all at B = 1024, D = 64 (95.7 million valid triplets), loss and gradient: ${extra.batchAll1024Seconds.toFixed(2)} s, O(B²) memory.`,
  );

  console.log(
    `\nKernels, GFLOPS (median of repeated runs${allKernels ? '; reference and gpu modes: one run' : ''}; a Winograd convolution counts the direct method's FLOPs):\n`,
  );
  const kernels: KernelRow[] = benchmarkKernels(allKernels ? ['cpu', 'webasm', 'webgpu'] : [], allKernels);
  console.log(kernelTable(kernels));

  if (jsonAt >= 0) {
    const file = argv[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    writeFileAtomic(
      file,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine,
          jsKernels: backend.kernel,
          rounds: ROUNDS,
          machineScaling: ceiling,
          steps: STEPS,
          peers: runs.map(({ spec, ...r }) => ({ peer: spec.label, threads: spec.threads, ...r })),
          ...extra,
          kernels,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`\nwrote ${file}`);
  }
  const failures = [
    ...disagreements.map((d) => `disagrees: ${d}`),
    ...runs.filter((r) => r.error).map((r) => `${r.spec.label} failed: ${r.error}`),
  ];
  if (failures.length > 0) {
    console.error(
      `\nbench: ${failures.length} peer(s) do not compute what we compute, or failed:\n  ${failures.join('\n  ')}`,
    );
    process.exitCode = 1;
  }
  process.exit();
}

void main(process.argv.slice(2));
