"""TensorFlow — the original project's framework — as a peer of `npm run bench`:
python3 tf_peer.py FIXTURE.safetensors THREADS (protocol: peer_protocol.py).

The original's network in NHWC with HWIO filters (so the fixture's weights load as they are), its batch-all loss
(the B×B×B formulation of omoindrot's triplet_loss.py), and the optimiser it trained with: TF's fused Adam kernel
(ResourceApplyAdam, what AdamOptimizer runs), ε added before the bias correction as in this engine. One training
step and the forward pass are each a tf.function (graph mode). THREADS intra-op threads, one inter-op thread.
"""
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from peer_protocol import BATCH, INFERENCE_BATCH, read_safetensors, serve  # noqa: E402


def pairwise_distances(embeddings):
    dot = tf.matmul(embeddings, embeddings, transpose_b=True)
    square_norm = tf.linalg.diag_part(dot)
    d = tf.maximum(tf.expand_dims(square_norm, 0) - 2.0 * dot + tf.expand_dims(square_norm, 1), 0.0)
    zero = tf.cast(tf.equal(d, 0.0), tf.float32)
    return tf.sqrt(d + zero * 1e-16) * (1.0 - zero)


def triplet_mask(labels):
    not_equal = tf.logical_not(tf.cast(tf.eye(tf.shape(labels)[0]), tf.bool))
    distinct = tf.expand_dims(not_equal, 2) & tf.expand_dims(not_equal, 1) & tf.expand_dims(not_equal, 0)
    same = tf.equal(tf.expand_dims(labels, 0), tf.expand_dims(labels, 1))
    return distinct & tf.expand_dims(same, 2) & tf.logical_not(tf.expand_dims(same, 1))


def batch_all_triplet_loss(labels, embeddings, margin=0.5):
    d = pairwise_distances(embeddings)
    loss = tf.maximum(tf.cast(triplet_mask(labels), tf.float32) * (tf.expand_dims(d, 2) - tf.expand_dims(d, 1) + margin), 0.0)
    positive = tf.reduce_sum(tf.cast(tf.greater(loss, 1e-16), tf.float32))
    return tf.reduce_sum(loss) / (positive + 1e-16)


def main(fixture, threads):
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    t = read_safetensors(fixture)
    names = ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'dense.weight', 'dense.bias']
    weights = [tf.Variable(np.array(t[f'model.{name}'])) for name in names]
    moments = [(tf.Variable(tf.zeros_like(w)), tf.Variable(tf.zeros_like(w))) for w in weights]
    powers = [tf.Variable(0.9), tf.Variable(0.999)]
    images = tf.constant(t['images'])
    labels = tf.constant(t['labels'].astype(np.int32))
    test = tf.constant(t['test'])

    @tf.function
    def embed(x):
        w1, b1, w2, b2, wd, bd = weights
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(x, w1, 1, 'SAME') + b1), 2, 2, 'VALID')
        h = tf.nn.max_pool2d(tf.nn.relu(tf.nn.conv2d(h, w2, 1, 'SAME') + b2), 2, 2, 'VALID')
        return tf.matmul(tf.reshape(h, [tf.shape(x)[0], -1]), wd) + bd

    def loss_and_gradients(i):
        with tf.GradientTape() as tape:
            loss = batch_all_triplet_loss(labels[i * BATCH:(i + 1) * BATCH], embed(images[i * BATCH:(i + 1) * BATCH]))
        return loss, tape.gradient(loss, weights)

    @tf.function
    def train_step(i):
        loss, gradients = loss_and_gradients(i)
        for w, (m, v), g in zip(weights, moments, gradients):
            tf.raw_ops.ResourceApplyAdam(var=w.handle, m=m.handle, v=v.handle, beta1_power=powers[0], beta2_power=powers[1],
                                         lr=1e-3, beta1=0.9, beta2=0.999, epsilon=1e-8, grad=g)
        powers[0].assign(powers[0] * 0.9)
        powers[1].assign(powers[1] * 0.999)
        return loss

    @tf.function
    def first(i):
        loss, gradients = loss_and_gradients(i)
        return loss, tf.sqrt(tf.add_n([tf.reduce_sum(tf.cast(g, tf.float64) ** 2) for g in gradients]))

    def infer():
        for i in range(0, test.shape[0], INFERENCE_BATCH):
            embed(test[i:i + INFERENCE_BATCH]).numpy()

    def first_gradient_norm(i):
        loss, norm = first(tf.constant(i))
        return float(loss), float(norm)

    serve(f'TensorFlow {tf.__version__}', lambda i: float(train_step(tf.constant(i))), first_gradient_norm, infer, int(labels.shape[0]) // BATCH)


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]))
