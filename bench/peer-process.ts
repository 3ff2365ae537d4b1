import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** How a peer is started. */
export interface PeerSpec {
  /** The row's name, e.g. "PyTorch, 2 threads". */
  label: string;
  /** Threads it computes on (TF.js wasm: 1, its only way in Node). */
  threads: number;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The checks a peer prints when ready: the first loss and gradient norm, and the loss after 5 updates. */
export interface PeerChecks {
  peer: string;
  firstLoss: number;
  gradNorm: number;
  loss6: number;
}

const START_TIMEOUT_MS = 600_000;

/**
 * A peer process answering the bench's line protocol (bench/peers/protocol.ts, peer_protocol.py): one JSON line
 * per command. Peers stay up between commands, so that their rounds can be interleaved with everyone else's.
 */
export class PeerProcess {
  private buffer = '';
  private waiting: Array<(line: string) => void> = [];
  private readonly stderr: string[] = [];
  private exited: string | null = null;

  private constructor(
    readonly spec: PeerSpec,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, end).trim();
        this.buffer = this.buffer.slice(end + 1);
        if (line.startsWith('{')) this.waiting.shift()?.(line);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.stderr.push(...chunk.split('\n').filter((l) => l.trim())));
    child.on('exit', (code) => {
      this.exited = `exited with code ${code}${this.lastError() ? `: ${this.lastError()}` : ''}`;
      this.waiting.splice(0).forEach((resolve) => resolve(JSON.stringify({ error: this.exited })));
    });
  }

  /** Starts a peer and waits for its ready line (its checks); rejects with its last error line if it fails. */
  static async start(spec: PeerSpec): Promise<{ peer: PeerProcess; checks: PeerChecks }> {
    const child = spawn(spec.command, spec.args, {
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const peer = new PeerProcess(spec, child);
    const ready = await peer.next(START_TIMEOUT_MS);
    return { peer, checks: ready as unknown as PeerChecks };
  }

  private lastError(): string {
    return this.stderr.filter((l) => /error/i.test(l)).pop() ?? this.stderr[this.stderr.length - 1] ?? '';
  }

  private next(timeoutMs: number): Promise<Record<string, number | string>> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(this.exited));
      const timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiting.push((line) => {
        clearTimeout(timer);
        const message = JSON.parse(line) as Record<string, number | string>;
        if (typeof message.error === 'string') reject(new Error(message.error));
        else resolve(message);
      });
    });
  }

  /** Sends a command and returns its answer. */
  async request(command: string): Promise<Record<string, number | string>> {
    const answer = this.next(START_TIMEOUT_MS);
    this.child.stdin.write(command + '\n');
    return answer;
  }

  /** Seconds the peer took for `train K` or `infer`. */
  async seconds(command: string): Promise<number> {
    return (await this.request(command)).seconds as number;
  }

  /** Asks the peer to quit; its peak resident memory. */
  async quit(): Promise<number> {
    const { maxRssMiB } = await this.request('quit');
    return maxRssMiB as number;
  }

  kill(): void {
    this.child.kill();
  }
}
