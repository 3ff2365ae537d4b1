import { Shape } from '../tensor/shape';
import * as ops from './ops';
import { backward } from './tape';
import { Tensor } from './tensor';

// Tensor's methods that are built on the tape and the ops. They are added to the class here, not written in
// tensor.ts, because the tape and every op are built on Tensor: tensor.ts importing them would tie the whole of
// autograd into one import cycle. `lib/autograd/index.ts` imports this file, so every Tensor has them.
declare module './tensor' {
  interface Tensor {
    /**
     * Back-propagates from this tensor: every leaf it depends on gets ∂this/∂leaf added to `.grad`.
     * A non-scalar needs the upstream gradient ∂L/∂this, of its own shape.
     */
    backward(gradient?: Tensor): void;
    // The common ops as methods, so expressions read left to right: d.mul(mask).max(1).
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    neg(): Tensor;
    pow(exponent: number): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    max(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    min(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    matmul(other: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  }
}

type Method =
  | 'backward'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'neg'
  | 'pow'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'square'
  | 'abs'
  | 'relu'
  | 'sum'
  | 'mean'
  | 'max'
  | 'min'
  | 'reshape'
  | 'transpose'
  | 'matmul';

const methods: Pick<Tensor, Method> & ThisType<Tensor> = {
  backward(gradient) {
    backward(this, gradient);
  },
  add(other) {
    return ops.add(this, other);
  },
  sub(other) {
    return ops.sub(this, other);
  },
  mul(other) {
    return ops.mul(this, other);
  },
  div(other) {
    return ops.div(this, other);
  },
  neg() {
    return ops.neg(this);
  },
  pow(exponent) {
    return ops.pow(this, exponent);
  },
  exp() {
    return ops.exp(this);
  },
  log() {
    return ops.log(this);
  },
  sqrt() {
    return ops.sqrt(this);
  },
  square() {
    return ops.square(this);
  },
  abs() {
    return ops.abs(this);
  },
  relu() {
    return ops.relu(this);
  },
  sum(axes, keepDims = false) {
    return ops.sum(this, axes, keepDims);
  },
  mean(axes, keepDims = false) {
    return ops.mean(this, axes, keepDims);
  },
  max(axes, keepDims = false) {
    return ops.max(this, axes, keepDims);
  },
  min(axes, keepDims = false) {
    return ops.min(this, axes, keepDims);
  },
  reshape(shape) {
    return ops.reshape(this, shape);
  },
  transpose(perm) {
    return ops.transpose(this, perm);
  },
  matmul(other, transposeA = false, transposeB = false) {
    return ops.matmul(this, other, transposeA, transposeB);
  },
};

// as a class's own methods are: not enumerable
for (const [name, method] of Object.entries(methods))
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
