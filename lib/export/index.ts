export { onnxModel, OnnxOptions } from './onnx';
