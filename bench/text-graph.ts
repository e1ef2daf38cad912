/**
 * A CLIP-shaped causal text tower with seeded random weights (default: ViT-B/32's text transformer,
 * 12 layers, width 512, 8 heads, vocabulary 49408, context 77), written as a transformers.js-layout
 * export beside a one-layer vision stand-in of the same embedding width. The embeddings mean nothing;
 * the compute and the causal structure do.
 *
 *   input_ids [batch, sequence] (+ attention_mask [batch, sequence], Hugging Face style)
 *   → token embedding + position embedding[:sequence]
 *   → layers × [LN → Q/K/V → attention with the causal mask (+ the attention mask) → out proj → +residual
 *               → LN → MLP (4·width, QuickGELU) → +residual]
 *   → final LayerNorm → the row at argmax(input_ids) (the first <|endoftext|>, as OpenAI's and
 *     Hugging Face's CLIPTextModel read it) → projection (no bias) → text_embeds [batch, dim]
 *
 * `sequence: 77` declares a fixed sequence axis (as OpenAI-style exports do); the default is dynamic.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from '../src/model/onnx/builder.ts';
import { CLIP_224 } from '../src/model/preprocess/config.ts';
import { preprocessConfigToHF } from '../src/model/preprocess/hf.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { Rng } from '../src/util/rng.ts';

export interface TextTowerOptions {
  layers?: number;
  width?: number;
  heads?: number;
  /** Embedding (projection) width. */
  dim?: number;
  vocab?: number;
  context?: number;
  /** Hugging Face style: an attention_mask input, ids padded with <|endoftext|>; else OpenAI style, padded with 0. */
  attentionMask?: boolean;
  /** A fixed sequence axis of this length instead of a dynamic one. */
  sequence?: number;
  /** false: no causal mask (every position sees the padding too; a tower whose padding cannot be cut). */
  causal?: boolean;
  seed?: number;
}

type Resolved = Required<Omit<TextTowerOptions, 'sequence'>> & { sequence: number | null };

function resolveOptions(o: TextTowerOptions): Resolved {
  const r: Resolved = {
    layers: o.layers ?? 12,
    width: o.width ?? 512,
    heads: o.heads ?? 8,
    dim: o.dim ?? 512,
    vocab: o.vocab ?? 49408,
    context: o.context ?? 77,
    attentionMask: o.attentionMask ?? true,
    causal: o.causal ?? true,
    sequence: o.sequence ?? null,
    seed: o.seed ?? 0,
  };
  if (r.width % r.heads !== 0) throw new Error(`width ${r.width} is not divisible by heads ${r.heads}`);
  return r;
}

function randomWeights(rng: Rng, n: number, std: number): Float32Array {
  const a = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * a;
  return out;
}

const i64 = (...v: number[]) => BigInt64Array.from(v, (x) => BigInt(x));

/** The text tower as ONNX bytes. */
export function causalTextGraph(opts: TextTowerOptions = {}): Uint8Array {
  const o = resolveOptions(opts);
  const { width: W, heads: H, context: C } = o;
  const headDim = W / H;
  const rng = new Rng(o.seed + 101);
  const g = new GraphBuilder('causal_text');
  let uid = 0;
  const t = (name: string) => `${name}_${uid++}`;
  const linear = (x: string, prefix: string, inDim: number, outDim: number, bias = true): string => {
    g.initializer(`${prefix}.weight`, randomWeights(rng, inDim * outDim, 1 / Math.sqrt(inDim)), [inDim, outDim]);
    const y = t(`${prefix}.mm`);
    g.node('MatMul', [x, `${prefix}.weight`], [y]);
    if (!bias) return y;
    g.initializer(`${prefix}.bias`, randomWeights(rng, outDim, 0.02), [outDim]);
    const yb = t(`${prefix}.out`);
    g.node('Add', [y, `${prefix}.bias`], [yb]);
    return yb;
  };
  const layerNorm = (x: string, prefix: string): string => {
    g.initializer(`${prefix}.weight`, new Float32Array(W).fill(1), [W]);
    g.initializer(`${prefix}.bias`, new Float32Array(W), [W]);
    const y = t(`${prefix}.out`);
    g.node('LayerNormalization', [x, `${prefix}.weight`, `${prefix}.bias`], [y], { axis: -1, epsilon: 1e-5 });
    return y;
  };

  const seq = o.sequence ?? 'sequence';
  g.input('input_ids', 'int64', ['batch', seq]);
  if (o.attentionMask) g.input('attention_mask', 'int64', ['batch', seq]);
  g.initializer('token_embedding', randomWeights(rng, o.vocab * W, 0.02), [o.vocab, W]);
  g.initializer('position_embedding', randomWeights(rng, C * W, 0.01), [C, W]);
  g.node('Gather', ['token_embedding', 'input_ids'], ['tokens'], { axis: 0 });
  g.node('Shape', ['input_ids'], ['seq_len'], { start: 1, end: 2 });
  g.initializer('zero_1', i64(0), [1]);
  g.initializer('axis_0', i64(0), [1]);
  g.node('Slice', ['position_embedding', 'zero_1', 'seq_len', 'axis_0'], ['positions']);
  g.node('Add', ['tokens', 'positions'], ['embedded']);

  // Causal mask: position i attends to 0..i only; cut from a [C, C] constant to [S, S].
  const causal = new Float32Array(C * C);
  if (o.causal) for (let i = 0; i < C; i++) for (let j = i + 1; j < C; j++) causal[i * C + j] = -1e9;
  g.initializer('causal_full', causal, [C, C]);
  g.initializer('zero_2', i64(0, 0), [2]);
  g.initializer('axes_01', i64(0, 1), [2]);
  g.node('Concat', ['seq_len', 'seq_len'], ['seq_2'], { axis: 0 });
  g.node('Slice', ['causal_full', 'zero_2', 'seq_2', 'axes_01'], ['causal']);
  let bias = 'causal';
  if (o.attentionMask) {
    // Padding keys masked out as well ([batch, 1, 1, S]), as Hugging Face's CLIPTextTransformer does.
    g.initializer('one', new Float32Array([1]), []);
    g.initializer('neg_big', new Float32Array([-1e9]), []);
    g.initializer('axes_12', i64(1, 2), [2]);
    g.node('Cast', ['attention_mask'], ['mask_f'], { to: 1 });
    g.node('Sub', ['one', 'mask_f'], ['mask_off']);
    g.node('Mul', ['mask_off', 'neg_big'], ['mask_add']);
    g.node('Unsqueeze', ['mask_add', 'axes_12'], ['mask_4d']);
    g.node('Add', ['causal', 'mask_4d'], ['attn_bias']);
    bias = 'attn_bias';
  }

  let x = 'embedded';
  g.initializer('shape_heads', i64(0, -1, H, headDim), [4]);
  g.initializer('shape_merge', i64(0, -1, W), [3]);
  g.initializer('attn_scale', new Float32Array([1 / Math.sqrt(headDim)]), []);
  g.initializer('quick_gelu_k', new Float32Array([1.702]), []);
  for (let l = 0; l < o.layers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(x, `${p}.layer_norm1`);
    const heads = (name: string, perm: number[]) => {
      const split = t(`${p}.${name}_split`);
      g.node('Reshape', [linear(h, `${p}.self_attn.${name}_proj`, W, W), 'shape_heads'], [split]);
      const out = t(`${p}.${name}_heads`);
      g.node('Transpose', [split], [out], { perm });
      return out;
    };
    const q = heads('q', [0, 2, 1, 3]);
    const k = heads('k', [0, 2, 3, 1]);
    const v = heads('v', [0, 2, 1, 3]);
    const scores = t(`${p}.scores`);
    g.node('MatMul', [q, k], [scores]);
    const scaled = t(`${p}.scaled`);
    g.node('Mul', [scores, 'attn_scale'], [scaled]);
    const masked = t(`${p}.masked`);
    g.node('Add', [scaled, bias], [masked]);
    const probs = t(`${p}.probs`);
    g.node('Softmax', [masked], [probs], { axis: -1 });
    const ctx = t(`${p}.ctx`);
    g.node('MatMul', [probs, v], [ctx]);
    const ctxT = t(`${p}.ctx_t`);
    g.node('Transpose', [ctx], [ctxT], { perm: [0, 2, 1, 3] });
    const merged = t(`${p}.merged`);
    g.node('Reshape', [ctxT, 'shape_merge'], [merged]);
    const res1 = t(`${p}.res1`);
    g.node('Add', [x, linear(merged, `${p}.self_attn.out_proj`, W, W)], [res1]);
    const fc1 = linear(layerNorm(res1, `${p}.layer_norm2`), `${p}.mlp.fc1`, W, 4 * W);
    const kx = t(`${p}.kx`);
    g.node('Mul', [fc1, 'quick_gelu_k'], [kx]);
    const sig = t(`${p}.sig`);
    g.node('Sigmoid', [kx], [sig]);
    const act = t(`${p}.act`);
    g.node('Mul', [fc1, sig], [act]);
    const res2 = t(`${p}.res2`);
    g.node('Add', [res1, linear(act, `${p}.mlp.fc2`, 4 * W, W)], [res2]);
    x = res2;
  }
  const final = layerNorm(x, 'final_layer_norm');

  // Read at argmax(ids): one-hot over the sequence, then a batched [1, S] × [S, W] product.
  g.node('Cast', ['input_ids'], ['ids_f'], { to: 1 }); // ids < 2^24: exact in float32
  g.node('ArgMax', ['ids_f'], ['eot_pos'], { axis: 1, keepdims: 0 });
  g.initializer('onehot_values', new Float32Array([0, 1]), [2]);
  g.node('OneHot', ['eot_pos', 'seq_len', 'onehot_values'], ['eot_onehot'], { axis: -1 });
  g.initializer('axis_1', i64(1), [1]);
  g.node('Unsqueeze', ['eot_onehot', 'axis_1'], ['eot_row']);
  g.node('MatMul', ['eot_row', final], ['pooled_3d']);
  g.node('Squeeze', ['pooled_3d', 'axis_1'], ['pooled']);
  g.node('Identity', [linear('pooled', 'text_projection', W, o.dim, false)], ['text_embeds']);
  g.output('text_embeds', 'float32', ['batch', o.dim]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench/bench/text-graph' });
}

/** pixel_values → per-channel mean → [3, dim] projection: just enough image tower for the export to load. */
function visionStandIn(dim: number, seed: number): Uint8Array {
  const g = new GraphBuilder('vision_stand_in');
  g.input('pixel_values', 'float32', ['batch', 3, 224, 224]);
  g.initializer('proj', randomWeights(new Rng(seed + 7), 3 * dim, 1), [3, dim]);
  g.initializer('shape_b3', i64(0, 3), [2]);
  g.node('GlobalAveragePool', ['pixel_values'], ['pooled']);
  g.node('Reshape', ['pooled', 'shape_b3'], ['flat']);
  g.node('MatMul', ['flat', 'proj'], ['image_embeds']);
  g.output('image_embeds', 'float32', ['batch', dim]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench/bench/text-graph' });
}

const STAMP = 'text-options.json';

/**
 * Write the export into `dir` (transformers.js layout; model.json states the padding), or reuse it when
 * `dir` already holds one built from the same options. `visionDim` gives the stand-in image tower another
 * width (a mismatched pair). Written into a temporary sibling and renamed.
 */
export async function writeTextExport(dir: string, opts: TextTowerOptions & { visionDim?: number } = {}): Promise<{ dir: string; reused: boolean }> {
  const o = resolveOptions(opts);
  const stamp = JSON.stringify({ ...o, visionDim: opts.visionDim ?? o.dim });
  if (existsSync(join(dir, STAMP)) && (await readFile(join(dir, STAMP), 'utf8')) === stamp) return { dir, reused: true };
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'onnx'), { recursive: true });
  await writeFile(join(tmp, 'onnx', 'text_model.onnx'), causalTextGraph(opts));
  await writeFile(join(tmp, 'onnx', 'vision_model.onnx'), visionStandIn(opts.visionDim ?? o.dim, o.seed));
  await writeFile(join(tmp, 'preprocessor_config.json'), JSON.stringify(preprocessConfigToHF(CLIP_224), null, 2));
  await writeFile(join(tmp, 'config.json'), JSON.stringify({ model_type: 'clip', projection_dim: o.dim, text_config: { max_position_embeddings: o.context, vocab_size: o.vocab } }));
  await writeFile(join(tmp, 'model.json'), JSON.stringify({ tokenizer: { padding: o.attentionMask ? 'eot' : 'zeros' } }));
  await writeFile(join(tmp, STAMP), stamp);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, reused: false };
}

/** The text benchmark's export: ViT-B/32's text transformer shape, seed 0, under the git-ignored .cache/. */
export const TEXT_B32_DIR = join(PROJECT_ROOT, '.cache', 'bench', 'text-b32-random');
