import { NDArray, Tensor, ValueError } from '../autograd';
import { BatchNorm, Conv2d, Dense, Flatten, MaxPool2d, Module, ReLU, Sequential } from '../nn';
import { ProtoWriter } from '../summaries';
import { windowGeometry } from '../tensor/kernels/conv';

/*
 * A Sequential network (the EmbeddingNet) as an ONNX model, written with our own protobuf writer. The field
 * numbers are onnx.proto's (ONNX IR 7, opset 13). ONNX convolutions are NCHW with OIHW filters, ours NHWC with HWIO:
 * the graph transposes the images to NCHW once at the start and back to NHWC before the flatten (so the dense
 * weights, which expect TensorFlow's h, w, c order, stay as they are); the filters are transposed here. Batch norm
 * is exported in inference form (its moving statistics), as `triplet eval` computes.
 */

const IR_VERSION = 7;
const OPSET = 13;
const FLOAT = 1; // TensorProto.DataType
const ATTRIBUTE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

type Attribute =
  { name: string; int: number } | { name: string; ints: readonly number[] } | { name: string; float: number };

interface Node {
  op: string;
  inputs: string[];
  output: string;
  attributes?: Attribute[];
}

/** What the graph builder holds: nodes and weights so far, and the running value's name and NCHW spatial size. */
class Graph {
  readonly nodes: Node[] = [];
  readonly weights = new Map<string, NDArray>();
  private count = 0;

  constructor(
    public value: string,
    public side: [number, number],
  ) {}

  /** Appends op(value, ...weights) and makes its output the running value. */
  apply(op: string, weights: string[] = [], attributes: Attribute[] = []): void {
    const output = `${op.toLowerCase()}_${this.count++}`;
    this.nodes.push({ op, inputs: [this.value, ...weights], output, attributes });
    this.value = output;
  }

  weight(name: string, array: NDArray): string {
    this.weights.set(name, array);
    return name;
  }
}

export interface OnnxOptions {
  /** Side of the square one-channel input images. */
  imageSize: number;
  /** Width of the embedding (the output's second dimension). */
  embeddingSize: number;
  /** Plain key–value pairs stored in the model's metadata_props (the params, the checkpoint's step). */
  metadata?: Record<string, string>;
}

/**
 * The model: input `images` float32 [N, S, S, 1] (NHWC, pixels in [0, 1], N dynamic), output `embeddings`
 * float32 [N, embeddingSize].
 */
export function onnxModel(net: Sequential, options: OnnxOptions): Uint8Array {
  const graph = new Graph('images', [options.imageSize, options.imageSize]);
  graph.apply('Transpose', [], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
  for (const [name, layer] of net.namedChildren()) addLayer(graph, name, layer);
  const [last] = graph.nodes.slice(-1);
  last.output = 'embeddings';
  return encodeModel(graph, options);
}

function addLayer(graph: Graph, name: string, layer: Module): void {
  if (layer instanceof Conv2d) return addConv(graph, name, layer);
  if (layer instanceof BatchNorm) {
    const inputs = [layer.gamma, layer.beta, layer.movingMean, layer.movingVariance].map((t, i) =>
      graph.weight(`${name}.${['scale', 'bias', 'mean', 'var'][i]}`, t),
    );
    return graph.apply('BatchNormalization', inputs, [{ name: 'epsilon', float: layer.epsilon }]);
  }
  if (layer instanceof ReLU) return graph.apply('Relu');
  if (layer instanceof MaxPool2d) {
    const size = layer.options.size ?? 2;
    const stride = layer.options.stride ?? size;
    if ((layer.options.padding ?? 'valid') !== 'valid' || typeof size !== 'number' || typeof stride !== 'number') {
      throw new ValueError(`onnx export: ${name}: only square 'valid' max-pools are exported`);
    }
    return maxPool(graph, size, stride);
  }
  if (layer instanceof Flatten) {
    graph.apply('Transpose', [], [{ name: 'perm', ints: [0, 2, 3, 1] }]); // back to NHWC: TensorFlow's flatten order
    return graph.apply('Flatten', [], [{ name: 'axis', int: 1 }]);
  }
  if (layer instanceof Dense) {
    graph.apply('MatMul', [graph.weight(`${name}.weight`, layer.weight)]);
    if (layer.bias) graph.apply('Add', [graph.weight(`${name}.bias`, layer.bias)]);
    return;
  }
  throw new ValueError(`onnx export: no ONNX form for layer '${name}' (${layer.describe()})`);
}

/** Conv (with TensorFlow's padding made explicit for the known image size), then the fused ReLU and pool. */
function addConv(graph: Graph, name: string, conv: Conv2d): void {
  const k = conv.kernelSize;
  const [h, w] = graph.side;
  const g = windowGeometry(
    [1, h, w, conv.inChannels],
    { kernel: k, stride: conv.stride, padding: conv.padding },
    conv.outChannels,
    'onnx export',
  );
  const padBottom = (g.outH - 1) * g.strideH + k - h - g.padTop;
  const padRight = (g.outW - 1) * g.strideW + k - w - g.padLeft;
  const inputs = [graph.weight(`${name}.weight`, hwioToOihw(conv.weight))];
  if (conv.bias) inputs.push(graph.weight(`${name}.bias`, conv.bias));
  graph.apply('Conv', inputs, [
    { name: 'kernel_shape', ints: [k, k] },
    { name: 'strides', ints: [conv.stride, conv.stride] },
    { name: 'pads', ints: [g.padTop, g.padLeft, Math.max(0, padBottom), Math.max(0, padRight)] },
  ]);
  graph.side = [g.outH, g.outW];
  if (conv.activation === 'relu') graph.apply('Relu');
  if (conv.pool !== undefined) maxPool(graph, conv.pool, conv.pool);
}

function maxPool(graph: Graph, size: number, stride: number): void {
  graph.apply(
    'MaxPool',
    [],
    [
      { name: 'kernel_shape', ints: [size, size] },
      { name: 'strides', ints: [stride, stride] },
    ],
  );
  graph.side = graph.side.map((s) => Math.floor((s - size) / stride) + 1) as [number, number];
}

/** [kh, kw, in, out] → [out, in, kh, kw], as float32. */
function hwioToOihw(w: Tensor): NDArray {
  const [kh, kw, cin, cout] = w.shape;
  const out = new Float32Array(w.size);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + a) * kw + b] = w.data[((a * kw + b) * cin + i) * cout + o];
  return { data: out, shape: [cout, cin, kh, kw], dtype: 'float32' };
}

// ---- onnx.proto, the messages this model needs ---------------------------------------------------------------

function encodeModel(graph: Graph, options: OnnxOptions): Uint8Array {
  const proto = new ProtoWriter();
  const g = new ProtoWriter();
  for (const node of graph.nodes) g.message(1, nodeProto(node));
  g.string(2, 'triplet-embedding');
  for (const [name, array] of graph.weights) g.message(5, tensorProto(name, array));
  g.message(11, valueInfo('images', ['N', options.imageSize, options.imageSize, 1]));
  g.message(12, valueInfo('embeddings', ['N', options.embeddingSize]));
  proto.varint(1, IR_VERSION).string(2, 'triplet').string(3, '0.1.0');
  proto.message(7, g);
  proto.message(8, new ProtoWriter().string(1, '').varint(2, OPSET));
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    proto.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return proto.finish();
}

function nodeProto(node: Node): ProtoWriter {
  const p = new ProtoWriter();
  for (const input of node.inputs) p.string(1, input);
  p.string(2, node.output).string(3, node.output).string(4, node.op);
  for (const a of node.attributes ?? []) {
    const attribute = new ProtoWriter().string(1, a.name);
    if ('int' in a) attribute.varint(3, a.int).varint(20, ATTRIBUTE.INT);
    else if ('float' in a) attribute.float(2, a.float).varint(20, ATTRIBUTE.FLOAT);
    else {
      for (const v of a.ints) attribute.varint(8, v);
      attribute.varint(20, ATTRIBUTE.INTS);
    }
    p.message(5, attribute);
  }
  return p;
}

function tensorProto(name: string, array: NDArray): ProtoWriter {
  const p = new ProtoWriter();
  for (const d of array.shape) p.varint(1, d);
  p.varint(2, FLOAT).string(8, name);
  const values = array.data instanceof Float32Array ? array.data : Float32Array.from(array.data);
  return p.bytesField(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** A float tensor's name, type and shape; a string dimension is symbolic (dynamic). */
function valueInfo(name: string, dims: Array<number | string>): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims)
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}
