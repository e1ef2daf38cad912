/**
 * A tiny ViT-shaped, dynamically quantised image tower (the pattern onnxruntime's quantize_dynamic writes),
 * for the per-row quantisation tests.
 */
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import { quantizeDynamic } from '../../src/model/onnx/quantize-dynamic.ts';
import { encodeModel } from '../../src/model/onnx/schema.ts';
import { Rng } from '../../src/util/rng.ts';

const SIZE = 16;
const PATCH = 4;
const WIDTH = 8;
const TOKENS = (SIZE / PATCH) ** 2;
const DIM = 6;
export const TINY_VIT = { SIZE, DIM };

/**
 * A tiny ViT-shaped image tower with the real export signature, pixel_values [N, 3, H, W] → image_embeds
 * [N, D]: a float patch Conv, 3-D token activations [N, tokens, width] through Q/K-like MatMuls sharing one
 * input, an MLP with biases, a residual, the first token taken (as a ViT's class token) and a 2-D Gemm
 * projection. quantizeDynamic then writes quantize_dynamic's DynamicQuantizeLinear → MatMulInteger → Cast →
 * Mul(scale) patterns into it (with `conv`, also DynamicQuantizeLinear → ConvInteger for the unpadded patch Conv). (Not mean pooling: onnxruntime's float ReduceMean over tokens sums in a
 * batch-dependent order, 1 ulp apart, even in the fp32 graph.) `mixBatch` centres the pooled tokens on the
 * batch mean: a graph no per-row quantisation can make batch-independent.
 */
export function tinyVitQuantized(opts: { perChannel?: boolean; conv?: boolean; seed?: number; opset?: number; mixBatch?: boolean } = {}): Uint8Array {
  const rng = new Rng(opts.seed ?? 7);
  const w = (n: number, s = 0.4) => Float32Array.from({ length: n }, () => rng.normal() * s);
  const i64 = (...v: number[]) => BigInt64Array.from(v, BigInt);
  const g = new GraphBuilder('tiny_vit');
  g.input('pixel_values', 'float32', ['batch', 3, SIZE, SIZE]);
  g.initializer('patch_w', w(WIDTH * 3 * PATCH * PATCH, 0.2), [WIDTH, 3, PATCH, PATCH]);
  g.initializer('tokens_shape', i64(0, WIDTH, TOKENS), [3]);
  g.initializer('Wq', w(WIDTH * WIDTH), [WIDTH, WIDTH]);
  g.initializer('Wk', w(WIDTH * WIDTH), [WIDTH, WIDTH]);
  g.initializer('W1', w(WIDTH * 4 * WIDTH), [WIDTH, 4 * WIDTH]);
  g.initializer('b1', w(4 * WIDTH, 0.1), [4 * WIDTH]);
  g.initializer('W2', w(4 * WIDTH * WIDTH, 0.2), [4 * WIDTH, WIDTH]);
  g.initializer('Wp', w(WIDTH * DIM), [DIM, WIDTH]);
  g.initializer('bp', w(DIM, 0.1), [DIM]);
  g.initializer('first', i64(0), []);
  g.node('Conv', ['pixel_values', 'patch_w'], ['patches'], { strides: [PATCH, PATCH], kernel_shape: [PATCH, PATCH] });
  g.node('Reshape', ['patches', 'tokens_shape'], ['channels_first']);
  g.node('Transpose', ['channels_first'], ['tokens'], { perm: [0, 2, 1] });
  g.node('MatMul', ['tokens', 'Wq'], ['q']);
  g.node('MatMul', ['tokens', 'Wk'], ['k']);
  g.node('Mul', ['q', 'k'], ['qk']);
  g.node('MatMul', ['qk', 'W1'], ['h1']);
  g.node('Add', ['h1', 'b1'], ['h1b']);
  g.node('Tanh', ['h1b'], ['act']);
  g.node('MatMul', ['act', 'W2'], ['h2']);
  g.node('Add', ['h2', 'tokens'], ['res']);
  g.node('Gather', ['res', 'first'], ['pooled'], { axis: 1 });
  if (opts.mixBatch) {
    // Centre on the batch mean: every row depends on its batch-mates, whatever the quantisation.
    g.node('ReduceMean', ['pooled'], ['batch_mean'], { axes: [0], keepdims: 1 });
    g.node('Sub', ['pooled', 'batch_mean'], ['pooled_centred']);
  }
  const projected = opts.mixBatch ? 'pooled_centred' : 'pooled';
  g.node('Gemm', [projected, 'Wp', 'bp'], ['image_embeds'], { transB: 1 });
  g.output('image_embeds', 'float32', ['batch', DIM]);
  const model = g.toModel({ opset: opts.opset ?? 17 });
  quantizeDynamic(model, { perChannel: opts.perChannel ?? false, conv: opts.conv ?? false });
  return encodeModel(model);
}
