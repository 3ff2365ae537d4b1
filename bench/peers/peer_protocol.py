"""What the Python peers of `npm run bench` share: reading the fixture, and the line protocol of a peer.

A peer trains the original's network (conv 32 → conv 64 → dense 64, batch-all loss, Adam) from the fixture's
initial weights on its batches. On start it measures the checks — the loss of the first batch, the norm of the
first gradient (which no optimiser variant changes), the loss of step 6 (after 5 updates) — then warms up, prints
one JSON line {"ready": true, ...}, and answers commands on stdin, one JSON line each:
  train K   → K more steps (the fixture's batches in a cycle)  → {"seconds": s}
  infer     → embeddings of the 1,792 test images, 256 a batch → {"seconds": s}
  quit      → {"maxRssMiB": peak resident memory}, then exits
"""
import json
import resource
import struct
import sys
import time

import numpy as np

WARMUP_STEPS = 6
BATCH = 64
INFERENCE_BATCH = 256


def read_safetensors(path):
    data = open(path, 'rb').read()
    size = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + size])
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        dtype = np.float32 if entry['dtype'] == 'F32' else np.float64
        count = (end - begin) // np.dtype(dtype).itemsize
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=8 + size + begin).reshape(entry['shape'])
    return tensors


def say(message):
    sys.stdout.write(json.dumps(message) + '\n')
    sys.stdout.flush()


def serve(peer, step, first_gradient_norm, infer, batches):
    """Runs the checks and the warm-up, then answers the coordinator (see the module's docstring)."""
    first_loss, gradient_norm = first_gradient_norm(0)
    losses = [step(i % batches) for i in range(WARMUP_STEPS)]
    say({'ready': True, 'peer': peer, 'firstLoss': first_loss, 'gradNorm': gradient_norm, 'loss6': losses[5]})
    done = WARMUP_STEPS
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == 'train':
            start = time.perf_counter()
            for i in range(int(command[1])):
                step((done + i) % batches)
            done += int(command[1])
            say({'seconds': time.perf_counter() - start})
        elif command[0] == 'infer':
            start = time.perf_counter()
            infer()
            say({'seconds': time.perf_counter() - start})
        elif command[0] == 'quit':
            say({'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return
