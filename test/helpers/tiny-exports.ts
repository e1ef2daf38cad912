/**
 * Tiny CLIP-format exports for tests: the real file layouts and tensor signatures
 * (transformers.js / Optimum and two-file, as src/model/layout.ts describes) around a few-kilobyte
 * graph whose output can be computed by hand.
 *
 * Vision graph: pixels [batch, 3, H, W] → concat(GlobalAveragePool, GlobalMaxPool) → [batch, 6]
 *   → MatMul Wv [6, dim] → Add bv → Tanh → image embedding [batch, dim].
 * Text graph: ids [batch, seq] → Gather(table [49408, textDim]) → pool → MatMul P [textDim, textDim] → Tanh.
 *   pool 'eot': cumulative sum over positions (causal context), read at the first maximal id
 *   (CLIP's argmax, i.e. the first <|endoftext|>);
 *   pool 'mean': masked mean over attention_mask; 'hidden': no pooling, the output is
 *   [batch, seq, textDim] (last_hidden_state-style) and the loader must read the end-token row.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GraphBuilder } from '../../src/model/onnx/builder.ts';
import type { OnnxDtype } from '../../src/model/onnx/builder.ts';
import { Rng } from '../../src/util/rng.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import { preprocessConfigToHF } from '../../src/model/preprocess/hf.ts';

export const TINY_VOCAB = 49408;

export interface TinyExportOptions {
  layout: 'transformers.js' | 'two-file' | 'manifest' | 'image-only';
  /** dtype of input_ids (and attention_mask). Default int64. */
  idsDtype?: 'int64' | 'int32';
  /** Whether the text graph takes attention_mask. Default: true for transformers.js, else false. */
  attentionMask?: boolean;
  /** Embedding width. Default 8. */
  dim?: number;
  /** Width of the text tower's output, to build mismatched pairs. Default: dim. */
  textDim?: number;
  /** Static H = W of the vision input, also written to preprocessor_config.json. Default 224. */
  imageSize?: number;
  seed?: number;
  /** Name of the text embedding output. Default per layout (text_embeds, output, embedding). */
  textOutputName?: string;
  /** transformers.js: also write *_quantized.onnx (int8 weights through DequantizeLinear). */
  quantizedVariant?: boolean;
  /** transformers.js: also write *_fp16.onnx (float16 inputs and outputs, fp32 inside). */
  fp16Variant?: boolean;
  /** Text pooling inside the graph. Default 'mean' with attention_mask, else 'eot'. */
  textPooling?: 'eot' | 'mean' | 'hidden';
  /** Static sequence length of the ids input (OpenAI style), else symbolic. Default: 77 for two-file. */
  staticSeq?: number;
  /** Override the vision input shape (to build broken exports). */
  visionInputShape?: (number | string)[];
  /** Fields merged into model.json (written when the layout needs one or this is given). */
  manifest?: Record<string, unknown>;
  /** Write this object as tokenizer.json. */
  tokenizerJson?: Record<string, unknown>;
}

export interface TinyWeights {
  dim: number;
  textDim: number;
  /** [6, dim] row-major: rows 0..2 read channel means, rows 3..5 channel maxima. */
  visionW: Float32Array;
  visionB: Float32Array;
  /** [TINY_VOCAB, textDim]. */
  table: Float32Array;
  /** [textDim, textDim]. */
  textProj: Float32Array;
}

export function tinyWeights(opts: Pick<TinyExportOptions, 'dim' | 'textDim' | 'seed'> = {}): TinyWeights {
  const dim = opts.dim ?? 8;
  const textDim = opts.textDim ?? dim;
  const rng = new Rng(opts.seed ?? 0);
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  return {
    dim,
    textDim,
    visionW: fill(6 * dim, 0.5),
    visionB: fill(dim, 0.1),
    table: fill(TINY_VOCAB * textDim, 1),
    textProj: fill(textDim * textDim, 1 / Math.sqrt(textDim)),
  };
}

/** The tiny vision graph evaluated in plain JS for one image [3, H, W]. */
export function tinyImageEmbedding(w: TinyWeights, image: Float32Array): Float32Array {
  const hw = image.length / 3;
  const feats: number[] = [];
  for (let c = 0; c < 3; c++) feats.push(image.subarray(c * hw, (c + 1) * hw).reduce((a, b) => a + b, 0) / hw);
  for (let c = 0; c < 3; c++) feats.push(image.subarray(c * hw, (c + 1) * hw).reduce((a, b) => Math.max(a, b), -Infinity));
  const out = new Float32Array(w.dim);
  for (let j = 0; j < w.dim; j++) {
    let s = w.visionB[j];
    for (let i = 0; i < 6; i++) s += feats[i] * w.visionW[i * w.dim + j];
    out[j] = Math.tanh(s);
  }
  return out;
}

interface VisionNames {
  input: string;
  output: string;
  /** A second output: [batch, 1, 6] (last_hidden_state-like), or [batch, 6] when extraRank2. */
  extraOutput?: string;
  extraRank2?: boolean;
}

function visionGraph(
  w: TinyWeights,
  names: VisionNames,
  shape: (number | string)[],
  weights: 'fp32' | 'int8' | 'fp16-io',
): Uint8Array {
  const g = new GraphBuilder('tiny_vision');
  const io: OnnxDtype = weights === 'fp16-io' ? 'float16' : 'float32';
  g.input(names.input, io, shape);
  let pixels = names.input;
  if (weights === 'fp16-io') {
    g.node('Cast', [names.input], ['pixels_f32'], { to: 1 });
    pixels = 'pixels_f32';
  }
  g.node('GlobalAveragePool', [pixels], ['gap']);
  g.node('GlobalMaxPool', [pixels], ['gmp']);
  g.node('Concat', ['gap', 'gmp'], ['pooled'], { axis: 1 });
  g.node('Flatten', ['pooled'], ['feats'], { axis: 1 });
  if (weights === 'int8') {
    const maxAbs = w.visionW.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
    const scale = maxAbs / 127;
    const q = Int8Array.from(w.visionW, (v) => Math.max(-127, Math.min(127, Math.round(v / scale))));
    g.initializer('Wv_quant', q, [6, w.dim]);
    g.initializer('Wv_scale', new Float32Array([scale]), []);
    g.initializer('Wv_zero', new Int8Array([0]), []);
    g.node('DequantizeLinear', ['Wv_quant', 'Wv_scale', 'Wv_zero'], ['Wv']);
  } else {
    g.initializer('Wv', w.visionW, [6, w.dim]);
  }
  g.initializer('bv', w.visionB, [w.dim]);
  g.node('MatMul', ['feats', 'Wv'], ['proj']);
  g.node('Add', ['proj', 'bv'], ['proj_b']);
  const out = weights === 'fp16-io' ? 'embeds_f32' : names.output;
  g.node('Tanh', ['proj_b'], [out]);
  if (weights === 'fp16-io') g.node('Cast', [out], [names.output], { to: 10 });
  g.output(names.output, io, ['batch', w.dim]);
  if (names.extraOutput && names.extraRank2) {
    g.node('Identity', ['feats'], [names.extraOutput]);
    g.output(names.extraOutput, 'float32', ['batch', 6]);
  } else if (names.extraOutput) {
    g.initializer('unsqueeze_axis', new BigInt64Array([1n]), [1]);
    g.node('Unsqueeze', ['feats', 'unsqueeze_axis'], [names.extraOutput]);
    g.output(names.extraOutput, 'float32', ['batch', 1, 6]);
  }
  return g.toModelBytes({ producer: 'tiny-exports' });
}

interface TextNames {
  ids: string;
  mask?: string;
  output: string;
  extraOutput?: string;
}

function textGraph(
  w: TinyWeights,
  names: TextNames,
  idsDtype: 'int64' | 'int32',
  seq: number | string,
  pooling: 'eot' | 'mean' | 'hidden',
  weights: 'fp32' | 'fp16-io',
): Uint8Array {
  const g = new GraphBuilder('tiny_text');
  const D = w.textDim;
  g.input(names.ids, idsDtype, ['batch', seq]);
  if (names.mask) g.input(names.mask, idsDtype, ['batch', seq]);
  g.initializer('token_table', w.table, [TINY_VOCAB, D]);
  g.initializer('text_proj', w.textProj, [D, D]);
  g.initializer('axis_last', new BigInt64Array([-1n]), [1]);
  g.initializer('axis_seq', new BigInt64Array([1n]), [1]);
  g.node('Gather', ['token_table', names.ids], ['token_emb'], { axis: 0 });
  if (pooling !== 'mean') {
    // A causal stand-in for the transformer: position t sees the sum of tokens 0..t, so the
    // end-token row depends on the whole text (and not on the padding after it).
    g.node('CumSum', ['token_emb', 'axis_seq_scalar'], ['token_ctx']);
    g.initializer('axis_seq_scalar', new BigInt64Array([1n]), []);
  }
  let pooled: string;
  if (pooling === 'mean') {
    if (!names.mask) throw new Error('tiny export: mean pooling needs an attention mask');
    g.node('Cast', [names.mask], ['mask_f'], { to: 1 });
    g.node('Unsqueeze', ['mask_f', 'axis_last'], ['mask_3d']);
    g.node('Mul', ['token_emb', 'mask_3d'], ['masked']);
    g.node('ReduceSum', ['masked', 'axis_seq'], ['summed'], { keepdims: 0 });
    g.node('ReduceSum', ['mask_f', 'axis_seq'], ['count'], { keepdims: 1 });
    g.node('Div', ['summed', 'count'], ['pooled']);
    pooled = 'pooled';
  } else if (pooling === 'eot') {
    // CLIP reads the embedding at argmax(ids): the first <|endoftext|> (49407, the largest id).
    g.node('Cast', [names.ids], ['ids_f'], { to: 1 });
    g.node('ArgMax', ['ids_f'], ['eot_pos'], { axis: 1, keepdims: 0 });
    g.node('Shape', [names.ids], ['seq_len'], { start: 1, end: 2 });
    g.initializer('onehot_values', new Float32Array([0, 1]), [2]);
    g.node('OneHot', ['eot_pos', 'seq_len', 'onehot_values'], ['eot_onehot'], { axis: -1 });
    g.node('Unsqueeze', ['eot_onehot', 'axis_last'], ['eot_3d']);
    g.node('Mul', ['token_ctx', 'eot_3d'], ['eot_masked']);
    g.node('ReduceSum', ['eot_masked', 'axis_seq'], ['pooled'], { keepdims: 0 });
    pooled = 'pooled';
  } else {
    pooled = 'token_ctx';
  }
  g.node('MatMul', [pooled, 'text_proj'], ['text_proj_out']);
  const out = weights === 'fp16-io' ? 'text_f32' : names.output;
  g.node('Tanh', ['text_proj_out'], [out]);
  if (weights === 'fp16-io') g.node('Cast', [out], [names.output], { to: 10 });
  g.output(names.output, weights === 'fp16-io' ? 'float16' : 'float32', pooling === 'hidden' ? ['batch', seq, D] : ['batch', D]);
  if (names.extraOutput) {
    g.node('Identity', ['token_emb'], [names.extraOutput]);
    g.output(names.extraOutput, 'float32', ['batch', seq, D]);
  }
  return g.toModelBytes({ producer: 'tiny-exports' });
}

async function put(dir: string, rel: string, data: Uint8Array | string): Promise<void> {
  const path = join(dir, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}


/** Write a tiny export with the real layout and signatures of `opts.layout` into `dir`. */
export async function writeTinyExport(dir: string, opts: TinyExportOptions): Promise<void> {
  const w = tinyWeights(opts);
  const size = opts.imageSize ?? 224;
  const idsDtype = opts.idsDtype ?? 'int64';
  const mask = opts.attentionMask ?? opts.layout === 'transformers.js';
  const pooling = opts.textPooling ?? (mask ? 'mean' : 'eot');
  const seq = opts.staticSeq ?? (opts.layout === 'two-file' ? 77 : 'sequence');
  const vShape = opts.visionInputShape ?? ['batch', 3, size, size];
  let manifest: Record<string, unknown> | undefined;

  switch (opts.layout) {
    case 'transformers.js': {
      const vNames = { input: 'pixel_values', output: 'image_embeds', extraOutput: 'last_hidden_state' };
      const tNames = {
        ids: 'input_ids',
        ...(mask ? { mask: 'attention_mask' } : {}),
        output: opts.textOutputName ?? 'text_embeds',
        ...(pooling === 'hidden' ? {} : { extraOutput: 'last_hidden_state' }),
      };
      const variants: ['' | '_quantized' | '_fp16', 'fp32' | 'int8' | 'fp16-io'][] = [['', 'fp32']];
      if (opts.quantizedVariant) variants.push(['_quantized', 'int8']);
      if (opts.fp16Variant) variants.push(['_fp16', 'fp16-io']);
      for (const [suffix, kind] of variants) {
        await put(dir, `onnx/vision_model${suffix}.onnx`, visionGraph(w, vNames, vShape, kind));
        const textKind = kind === 'fp16-io' ? 'fp16-io' : 'fp32';
        await put(dir, `onnx/text_model${suffix}.onnx`, textGraph(w, tNames, idsDtype, seq, pooling, textKind));
      }
      await put(dir, 'preprocessor_config.json', JSON.stringify(preprocessConfigToHF({ ...CLIP_224, size, crop: { height: size, width: size } })));
      await put(
        dir,
        'config.json',
        JSON.stringify({
          model_type: 'clip',
          projection_dim: w.dim,
          text_config: { max_position_embeddings: 77, vocab_size: TINY_VOCAB },
          vision_config: { image_size: size, patch_size: 32 },
        }),
      );
      break;
    }
    case 'two-file': {
      await put(dir, 'visual.onnx', visionGraph(w, { input: 'input', output: 'output' }, vShape, 'fp32'));
      const tNames = { ids: 'text', ...(mask ? { mask: 'mask' } : {}), output: opts.textOutputName ?? 'output' };
      await put(dir, 'textual.onnx', textGraph(w, tNames, idsDtype, seq, pooling, 'fp32'));
      if (size !== 224) manifest = { preprocess: { size, crop: { height: size, width: size } } };
      break;
    }
    case 'manifest': {
      // Two rank-2 image outputs: only model.json can say which is the embedding.
      const vNames = { input: 'image', output: 'embedding', extraOutput: 'features', extraRank2: true };
      await put(dir, 'image_encoder.onnx', visionGraph(w, vNames, vShape, 'fp32'));
      const out = opts.textOutputName ?? 'embedding';
      const tNames = { ids: 'tokens', ...(mask ? { mask: 'tokens_mask' } : {}), output: out, extraOutput: 'token_features' };
      await put(dir, 'text_encoder.onnx', textGraph(w, tNames, idsDtype, seq, pooling, 'fp32'));
      manifest = {
        name: 'tiny-manifest',
        kind: 'clip',
        vision: { file: 'image_encoder.onnx', input: 'image', output: 'embedding' },
        text: { file: 'text_encoder.onnx', inputIds: 'tokens', ...(mask ? { attentionMask: 'tokens_mask' } : {}), output: out },
        preprocess: { size, crop: { height: size, width: size } },
      };
      break;
    }
    case 'image-only': {
      await put(dir, 'vision.onnx', visionGraph(w, { input: 'pixels', output: 'embedding' }, vShape, 'fp32'));
      manifest = { kind: 'image-only', vision: { file: 'vision.onnx' }, preprocess: { size, crop: { height: size, width: size } } };
      break;
    }
  }
  if (opts.manifest) manifest = { ...(manifest ?? {}), ...opts.manifest };
  if (manifest) await put(dir, 'model.json', JSON.stringify(manifest, null, 2));
  if (opts.tokenizerJson) await put(dir, 'tokenizer.json', JSON.stringify(opts.tokenizerJson));
}

