"""PyTorch as a peer of `npm run bench`: python3 torch_peer.py FIXTURE.safetensors THREADS (protocol: peer_protocol.py).

The same network, loss (the original's batch-all formulation), data and initial weights as the other peers.
The fixture holds NHWC images and HWIO / [in, out] weights; PyTorch wants NCHW and OIHW, and flattens a
[C, 7, 7] map in (c, h, w) order where NHWC flattens (h, w, c), so the dense weight's rows are reordered.
PyTorch's Adam adds ε after the bias correction (TensorFlow before): its loss after a few steps differs a little.
"""
import sys

import torch
import torch.nn.functional as F

from peer_protocol import BATCH, INFERENCE_BATCH, read_safetensors, serve


def main(fixture, threads):
    torch.set_num_threads(threads)
    t = read_safetensors(fixture)
    conv = lambda name: torch.nn.Parameter(torch.tensor(t[name]).permute(3, 2, 0, 1).contiguous())  # HWIO → OIHW
    bias = lambda name: torch.nn.Parameter(torch.tensor(t[name]).clone())
    dense = torch.tensor(t['model.dense.weight']).reshape(7, 7, 64, 64).permute(2, 0, 1, 3).reshape(3136, 64)
    params = {
        'w1': conv('model.conv1.weight'), 'b1': bias('model.conv1.bias'),
        'w2': conv('model.conv2.weight'), 'b2': bias('model.conv2.bias'),
        'wd': torch.nn.Parameter(dense.t().contiguous()), 'bd': bias('model.dense.bias'),
    }

    def embed(x):
        h = F.max_pool2d(F.relu(F.conv2d(x, params['w1'], params['b1'], padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, params['w2'], params['b2'], padding=1)), 2)
        return F.linear(h.flatten(1), params['wd'], params['bd'])

    def batch_all(labels, e, margin=0.5):
        dot = e @ e.t()
        sq = torch.diagonal(dot)
        d = torch.clamp(sq.unsqueeze(0) - 2 * dot + sq.unsqueeze(1), min=0)
        zero = (d == 0).float()
        d = torch.sqrt(d + zero * 1e-16) * (1 - zero)
        same = labels.unsqueeze(0) == labels.unsqueeze(1)
        distinct = ~torch.eye(len(labels), dtype=torch.bool)
        mask = (same & distinct).unsqueeze(2) & (~same).unsqueeze(1) & distinct.unsqueeze(2) & distinct.unsqueeze(1) & distinct.unsqueeze(0)
        loss = F.relu((d.unsqueeze(2) - d.unsqueeze(1) + margin) * mask.float())
        positive = (loss > 1e-16).float().sum()
        return loss.sum() / (positive + 1e-16)

    images = torch.tensor(t['images']).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor(t['labels']).long()
    test = torch.tensor(t['test']).permute(0, 3, 1, 2).contiguous()
    optimizer = torch.optim.Adam(params.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)

    def loss_of(i):
        optimizer.zero_grad()
        loss = batch_all(labels[i * BATCH:(i + 1) * BATCH], embed(images[i * BATCH:(i + 1) * BATCH]))
        loss.backward()
        return loss.item()

    def step(i):
        loss = loss_of(i)
        optimizer.step()
        return loss

    def first_gradient_norm(i):
        loss = loss_of(i)
        return loss, float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params.values())))

    def infer():
        with torch.no_grad():
            for i in range(0, len(test), INFERENCE_BATCH):
                embed(test[i:i + INFERENCE_BATCH])

    serve(f'PyTorch {torch.__version__}', step, first_gradient_norm, infer, len(labels) // BATCH)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
