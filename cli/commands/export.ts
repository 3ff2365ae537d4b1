import { Command } from 'commander';
import { encodeWeights, loadTrainedModel, onnxModel, Params } from '../../lib';
import { writeFileAtomic } from '../../lib/util/files';
import { DEFAULT_MODEL_DIR, readExperiment } from '../experiment';
import { checkpointChoice, exportFormatChoice } from '../options';

interface ExportFlags {
  model_dir?: string;
  checkpoint: 'last' | 'best';
  format: 'onnx' | 'safetensors';
  out: string;
}

export function exportCommand(): Command {
  return new Command('export')
    .summary('write the trained network as ONNX, or its weights alone as safetensors')
    .description(
      "Write MODEL_DIR's checkpoint for use outside triplet. onnx: the embedding network (opset 13), input `images`\n" +
        'float32 [N, image_size, image_size, 1] (NHWC, pixels in [0, 1]), output `embeddings` [N, embedding_size],\n' +
        'batch norm in inference form. safetensors: the parameters and batch-norm statistics under PyTorch names\n' +
        "(conv1.weight, bn1.running_mean, …) in Keras's layouts (the README shows how to load them in both), the\n" +
        'params as metadata; no optimiser state.',
    )
    .requiredOption('--out <file>', 'where to write it')
    .requiredOption('--format <format>', 'onnx or safetensors', exportFormatChoice)
    .option('--model_dir <dir>', `experiment folder [default: ${DEFAULT_MODEL_DIR}]`)
    .option('--checkpoint <which>', 'last or best (by precision@1)', checkpointChoice, 'last')
    .action((flags: ExportFlags) => {
      const { modelDir, params } = readExperiment(flags.model_dir, { createDefault: false });
      const { model, meta, file } = loadTrainedModel(modelDir, params, flags.checkpoint);
      const metadata = { ...paramsMetadata(params), step: String(meta.step), checkpoint: file };
      const bytes =
        flags.format === 'onnx'
          ? onnxModel(model, { imageSize: params.image_size, embeddingSize: params.embedding_size, metadata })
          : encodeWeights(model, metadata);
      writeFileAtomic(flags.out, bytes);
      console.log(`wrote ${flags.out} (${flags.format}, ${file}, step ${meta.step})`);
    });
}

/** The params as plain strings, one metadata key each (params.json's own keys). */
function paramsMetadata(params: Params): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, String(value)]));
}
