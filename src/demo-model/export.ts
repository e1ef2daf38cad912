/**
 * Export the trained demo model as transformers.js-layout ONNX towers:
 *   vision_model: pixel_values [batch,3,32,32] → image_embeds [batch, E]
 *   text_model:   input_ids, attention_mask [batch,77] (int64) → text_embeds [batch, E]
 * E = WORD_DIM (aligned, zero-shot part) + featureDim (image-only part for probes).
 * The fp16 variant stores float weights as float16 and casts them up in the graph (weight-only).
 */
import { GraphBuilder } from '../model/onnx/builder.ts';
import { float32ToHalfArray } from '../model/onnx/fp16.ts';
import { INPUT_SIZE } from './images.ts';
import { addEncoder, featureDim, type EncoderParams } from './vision-graph.ts';
import type { TokenTable } from './word-vectors.ts';

export interface DemoClipWeights {
  encoder: EncoderParams;
  /** Photo-domain feature standardisation (after the square root): mean and 1/std per feature. */
  featureMean: Float32Array;
  featureInvStd: Float32Array;
  /** featureDim × wordDim map from standardised features to the text space. */
  align: Float32Array;
  wordDim: number;
  tokens: TokenTable;
}

export type WeightPrecision = 'fp32' | 'fp16';

/** A float weight; fp16 stores half bits and adds a Cast so downstream nodes see float32 `name`. */
function floatWeight(g: GraphBuilder, name: string, data: Float32Array, dims: number[], precision: WeightPrecision): void {
  if (precision === 'fp32') {
    g.initializer(name, data, dims);
    return;
  }
  g.initializer(`${name}_fp16`, float32ToHalfArray(data), dims, 'float16');
  g.node('Cast', [`${name}_fp16`], [name], { to: 1 });
}

export function embeddingDim(w: DemoClipWeights): number {
  return w.wordDim + featureDim(w.encoder.dict.filters);
}

export function visionModel(w: DemoClipWeights, precision: WeightPrecision = 'fp32', metadata: Record<string, string> = {}): Uint8Array {
  const F = featureDim(w.encoder.dict.filters);
  const g = new GraphBuilder('demo_clip_vision');
  g.input('pixel_values', 'float32', ['batch_size', 3, INPUT_SIZE, INPUT_SIZE]);
  // The encoder's own filters stay fp32 in both variants: they are tiny and set the features' scale.
  addEncoder(g, w.encoder, 'pixel_values', 'features');
  floatWeight(g, 'feat_mean', w.featureMean, [F], precision);
  floatWeight(g, 'feat_inv_std', w.featureInvStd, [F], precision);
  floatWeight(g, 'align', w.align, [F, w.wordDim], precision);
  g.initializer('half_sqrt', Float32Array.of(Math.SQRT1_2), []);
  g.node('Sqrt', ['features'], ['feat_sqrt']); // power normalisation of the pooled activations
  g.node('Sub', ['feat_sqrt', 'feat_mean'], ['feat_centered']);
  g.node('Mul', ['feat_centered', 'feat_inv_std'], ['feat_std']);
  g.node('MatMul', ['feat_std', 'align'], ['aligned']);
  g.node('LpNormalization', ['aligned'], ['aligned_unit'], { axis: 1, p: 2 });
  g.node('LpNormalization', ['feat_std'], ['feat_unit'], { axis: 1, p: 2 });
  g.node('Concat', ['aligned_unit', 'feat_unit'], ['embeds_cat'], { axis: 1 });
  g.node('Mul', ['embeds_cat', 'half_sqrt'], ['image_embeds']);
  g.output('image_embeds', 'float32', ['batch_size', w.wordDim + F]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench demo-model', metadata });
}

export function textModel(w: DemoClipWeights, precision: WeightPrecision = 'fp32', metadata: Record<string, string> = {}): Uint8Array {
  const F = featureDim(w.encoder.dict.filters);
  const t = w.tokens;
  const g = new GraphBuilder('demo_clip_text');
  g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  g.input('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  g.initializer('token_row', t.rowOf, [t.rowOf.length]);
  floatWeight(g, 'token_vectors', t.vectors, [t.rows, t.dim], precision);
  floatWeight(g, 'token_weights', t.weights, [t.rows], precision);
  g.initializer('weights_shape', BigInt64Array.of(0n, -1n, 1n), [3]);
  g.initializer('sum_axes', BigInt64Array.of(1n), [1]);
  g.initializer('pad_to_embedding', BigInt64Array.of(0n, 0n, 0n, BigInt(F)), [4]);
  g.node('Gather', ['token_row', 'input_ids'], ['rows'], { axis: 0 });
  g.node('Gather', ['token_vectors', 'rows'], ['vectors'], { axis: 0 });
  g.node('Gather', ['token_weights', 'rows'], ['weights'], { axis: 0 });
  g.node('Cast', ['attention_mask'], ['mask_f'], { to: 1 });
  g.node('Mul', ['weights', 'mask_f'], ['weights_masked']);
  g.node('Reshape', ['weights_masked', 'weights_shape'], ['weights_col']);
  g.node('Mul', ['vectors', 'weights_col'], ['weighted']);
  g.node('ReduceSum', ['weighted', 'sum_axes'], ['pooled'], { keepdims: 0 });
  g.node('Pad', ['pooled', 'pad_to_embedding'], ['text_embeds']);
  g.output('text_embeds', 'float32', ['batch_size', t.dim + F]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench demo-model', metadata });
}
