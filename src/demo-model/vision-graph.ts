/**
 * The demo image tower as an ONNX graph (plain opset-17 ops):
 *   z = Conv(x, F) / sqrt(patchVar(x) + eps)          contrast-normalised, whitened filter responses
 *   f = [Relu(z − α), Relu(−z − α)]                    Coates & Ng soft threshold, both polarities
 *   p = AveragePool(f, 9×9, stride 9) → 2K × 3 × 3     spatial pooling
 *   image_embeds = Flatten(p) · H + b                   linear head (absent in the feature-only graph)
 */
import { GraphBuilder } from '../model/onnx/builder.ts';
import { INPUT_SIZE } from './images.ts';
import { PATCH, PATCH_DIM, type Dictionary } from './dictionary.ts';

export const POOL_GRID = 3;
export const CONV_OUT = INPUT_SIZE - PATCH + 1; // 27

export interface EncoderParams {
  dict: Dictionary;
  alpha: number;
}

export function featureDim(filters: number): number {
  return 2 * filters * POOL_GRID * POOL_GRID;
}

/** Adds the encoder nodes reading `input` and producing `[batch, featureDim]` in `output`. */
export function addEncoder(g: GraphBuilder, p: EncoderParams, input: string, output: string): void {
  const K = p.dict.filters;
  const pool = CONV_OUT / POOL_GRID;
  g.initializer('enc_filters', p.dict.weights, [K, 3, PATCH, PATCH]);
  g.initializer('enc_eps', Float32Array.of(p.dict.contrastEps), []);
  g.initializer('enc_alpha', Float32Array.of(p.alpha), []);
  g.node('Conv', [input, 'enc_filters'], ['enc_resp'], { kernel_shape: [PATCH, PATCH], strides: [1, 1] });
  // Per-patch mean and variance over its 3·6·6 values, via channel mean then 6×6 box average.
  g.node('ReduceMean', [input], ['enc_m1'], { axes: [1], keepdims: 1 });
  g.node('Mul', [input, input], ['enc_sq']);
  g.node('ReduceMean', ['enc_sq'], ['enc_m2'], { axes: [1], keepdims: 1 });
  g.node('AveragePool', ['enc_m1'], ['enc_mu'], { kernel_shape: [PATCH, PATCH], strides: [1, 1] });
  g.node('AveragePool', ['enc_m2'], ['enc_mu2'], { kernel_shape: [PATCH, PATCH], strides: [1, 1] });
  g.node('Mul', ['enc_mu', 'enc_mu'], ['enc_musq']);
  g.node('Sub', ['enc_mu2', 'enc_musq'], ['enc_var']);
  g.node('Relu', ['enc_var'], ['enc_var_pos']); // guards rounding below zero
  g.node('Add', ['enc_var_pos', 'enc_eps'], ['enc_var_eps']);
  g.node('Sqrt', ['enc_var_eps'], ['enc_sd']);
  g.node('Div', ['enc_resp', 'enc_sd'], ['enc_z']);
  g.node('Sub', ['enc_z', 'enc_alpha'], ['enc_zp']);
  g.node('Relu', ['enc_zp'], ['enc_pos']);
  g.node('Neg', ['enc_z'], ['enc_nz']);
  g.node('Sub', ['enc_nz', 'enc_alpha'], ['enc_zn']);
  g.node('Relu', ['enc_zn'], ['enc_neg']);
  g.node('Concat', ['enc_pos', 'enc_neg'], ['enc_split'], { axis: 1 });
  g.node('AveragePool', ['enc_split'], ['enc_pooled'], { kernel_shape: [pool, pool], strides: [pool, pool] });
  g.node('Flatten', ['enc_pooled'], [output], { axis: 1 });
}

/** Graph with just the encoder: pixel_values → features (used to cache training features). */
export function encoderModel(p: EncoderParams): Uint8Array {
  const g = new GraphBuilder('demo_clip_encoder');
  g.input('pixel_values', 'float32', ['batch_size', 3, INPUT_SIZE, INPUT_SIZE]);
  addEncoder(g, p, 'pixel_values', 'features');
  g.output('features', 'float32', ['batch_size', featureDim(p.dict.filters)]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench demo-model' });
}

export { PATCH_DIM };
