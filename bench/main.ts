#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { batchAllTripletLoss, createJsBackend, randn, Rng, setBackend } from '../lib';
import { writeFileAtomic } from '../lib/util/files';
import { PeerResult } from './fixture';
import { benchmarkKernels, KernelRow, kernelTable } from './kernels';
import { formatRatio, measure } from './measure';
import { torchCommand, writeTorchFixture } from './peers/torch-fixture';

interface Peer {
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs one peer in a child process (its own memory, its own peak RSS); its last stdout line is its JSON result. */
function runPeer(peer: Peer): PeerResult | { peer: string; error: string } {
  const result = spawnSync(peer.command, peer.args, { env: { ...process.env, ...peer.env }, encoding: 'utf8', timeout: 600_000 });
  const line = result.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (result.status !== 0 || !line) return { peer: peer.label, error: (result.stderr || result.stdout || `exit ${result.status}`).trim().split('\n').slice(-1)[0] };
  return JSON.parse(line) as PeerResult;
}

function peers(threads: number, torch: { command: string; args: string[] } | null): Peer[] {
  const node = process.execPath;
  const dir = path.join(__dirname, 'peers');
  const list: Peer[] = [
    { label: `triplet js, ${threads} threads`, command: node, args: [path.join(dir, 'triplet.js'), 'js', '20'], env: { TRIPLET_THREADS: String(threads) } },
    { label: 'triplet js, 1 thread', command: node, args: [path.join(dir, 'triplet.js'), 'js', '12'], env: { TRIPLET_THREADS: '1' } },
    { label: 'TensorFlow.js 4.22 wasm', command: node, args: [path.join(dir, 'tfjs.js'), 'wasm', '8'] },
    { label: 'TensorFlow.js 4.22 cpu', command: node, args: [path.join(dir, 'tfjs.js'), 'cpu', '1'] },
  ];
  if (torch) list.push({ label: `PyTorch, ${threads} threads`, command: torch.command, args: [...torch.args, String(threads)] });
  return list;
}

function batchAllAt1024(): number {
  setBackend('js');
  const labels = Array.from({ length: 1024 }, (_, i) => i % 10);
  const e = randn([1024, 64], new Rng(12), { requiresGrad: true });
  return measure(() => {
    e.zeroGrad();
    batchAllTripletLoss(labels, e, 0.5).loss.backward();
  }, { maxRuns: 3, minSeconds: 0 }).seconds;
}

function main(argv: string[]): void {
  const jsonAt = argv.indexOf('--json');
  const allKernels = argv.includes('--all-kernels');
  const threads = createJsBackend().threads;
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, Node ${process.version}`;
  console.log(`triplet benchmark — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);

  console.log("Training and inference of the original's network (conv 32 → conv 64 → dense 64), batch 64, batch-all");
  console.log('loss, Adam — every peer on the same batches from the same initial weights, each in its own process:\n');
  const torchFixture = path.join(os.tmpdir(), `triplet-bench-${process.pid}.safetensors`);
  const torch = torchCommand();
  if (torch) writeTorchFixture(torchFixture);
  else console.log('(PyTorch: not installed, skipped — on Debian: apt install python3-torch)\n');
  const results = peers(threads, torch ? { command: torch.command, args: [...torch.args, torchFixture] } : null).map((p) => ({ label: p.label, result: runPeer(p) }));
  fs.rmSync(torchFixture, { force: true });
  const ok = (r: (typeof results)[number]['result']): r is PeerResult => !('error' in r);
  const find = (prefix: string): PeerResult | undefined => results.map((r) => r.result).filter(ok).find((r) => r.peer.startsWith(prefix));
  const ours = find('triplet js, ' + threads);
  const wasm = find('TensorFlow.js 4.22 wasm');
  const cpu = find('TensorFlow.js 4.22 cpu');
  const ratio = (a: number, b?: number): string => (b ? formatRatio(a / b) : '—');
  const rows = results.map(({ label, result: r }) =>
    ok(r)
      ? `| ${r.peer} | ${r.firstLoss.toFixed(7)}${ours && Math.abs(r.firstLoss - ours.firstLoss) <= 1e-5 * Math.abs(ours.firstLoss) ? ' ✓' : ' ✗'} | ${r.trainImagesPerSecond.toFixed(0)} | ${ratio(r.trainImagesPerSecond, wasm?.trainImagesPerSecond)} | ${ratio(r.trainImagesPerSecond, cpu?.trainImagesPerSecond)} | ${r.inferenceImagesPerSecond.toFixed(0)} | ${ratio(r.inferenceImagesPerSecond, wasm?.inferenceImagesPerSecond)} | ${r.maxRssMiB.toFixed(0)} |`
      : `| ${label} | failed: ${r.error} | | | | | | |`,
  );
  console.log('| peer | first loss (✓ within 1e-5 of ours) | train img/s | ÷ TF.js wasm | ÷ TF.js cpu | inference img/s (batch 256) | ÷ TF.js wasm | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));

  const one = find('triplet js, 1 thread');
  const extra: Record<string, number> = {};
  if (ours) {
    extra.epochSeconds8000 = 8000 / ours.trainImagesPerSecond;
    extra.epochSeconds60000 = 60000 / ours.trainImagesPerSecond;
    console.log(`\nTime per epoch (from the training rate, ${threads} threads): ${extra.epochSeconds8000.toFixed(1)} s for the 8,000 embedded digits, ${extra.epochSeconds60000.toFixed(0)} s for the 60,000 of MNIST.`);
    if (one) console.log(`Scaling from 1 to ${threads} threads: training ${ratio(ours.trainImagesPerSecond, one.trainImagesPerSecond)}, inference ${ratio(ours.inferenceImagesPerSecond, one.inferenceImagesPerSecond)}.`);
  }
  extra.batchAll1024Seconds = batchAllAt1024();
  console.log(`Batch-all at B = 1024, D = 64 (95.7 million valid triplets), loss and gradient: ${extra.batchAll1024Seconds.toFixed(2)} s, O(B²) memory.`);

  console.log(`\nKernels, GFLOPS (median of repeated runs${allKernels ? '; reference and gpu modes: one run' : ''}):\n`);
  const kernels: KernelRow[] = benchmarkKernels(allKernels ? ['cpu', 'webasm', 'webgpu'] : [], allKernels);
  console.log(kernelTable(kernels));

  if (jsonAt >= 0) {
    const file = argv[jsonAt + 1];
    if (!file) throw new Error('--json needs a file name');
    writeFileAtomic(file, JSON.stringify({ date: new Date().toISOString(), machine, peers: results.map((r) => r.result), ...extra, kernels }, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
  }
}

main(process.argv.slice(2));
