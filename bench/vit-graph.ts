/**
 * A ViT-B/32-shaped CLIP image tower with seeded random weights, written as a transformers.js-layout
 * export, so throughput benchmarks run on a graph of the real size (≈88M parameters) without any
 * downloaded weights. The embeddings mean nothing; the compute does.
 *
 *   pixel_values [batch, 3, 224, 224]
 *   → Conv (patch 32, stride 32, no bias) → 7×7 = 49 tokens → prepend class token → + position embeddings
 *   → pre-LayerNorm → layers × [LN → Q/K/V → multi-head attention → out proj → +residual
 *                               → LN → MLP (4·width, QuickGELU) → +residual]
 *   → post-LayerNorm of the class token → projection (no bias) → image_embeds [batch, dim]
 *
 * The text tower is a stand-in (token embedding, masked mean, projection): just enough for the layout
 * to load with matching embedding widths.
 *
 *   npx tsx bench/vit-graph.ts [--layers 12] [--threads 2] [--batch 16] [--seconds 20]
 *     writes (or reuses) .cache/bench/vit-b32-random/ and prints raw onnxruntime throughput.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../src/model/onnx/builder.ts';
import { CLIP_224 } from '../src/model/preprocess/config.ts';
import { preprocessConfigToHF } from '../src/model/preprocess/hf.ts';
import { PROJECT_ROOT } from '../src/util/paths.ts';
import { Rng } from '../src/util/rng.ts';

export interface VitOptions {
  layers?: number;
  width?: number;
  heads?: number;
  patch?: number;
  image?: number;
  /** Embedding (projection) width. */
  dim?: number;
  /** 'quick': x·sigmoid(1.702x) as OpenAI CLIP; 'erf': exact GELU spelled with Erf (the Gelu op needs opset 20). */
  activation?: 'quick' | 'erf';
  seed?: number;
}

type Resolved = Required<VitOptions>;

function resolveOptions(o: VitOptions): Resolved {
  const r: Resolved = {
    layers: o.layers ?? 12,
    width: o.width ?? 768,
    heads: o.heads ?? 12,
    patch: o.patch ?? 32,
    image: o.image ?? 224,
    dim: o.dim ?? 512,
    activation: o.activation ?? 'quick',
    seed: o.seed ?? 0,
  };
  if (r.width % r.heads !== 0) throw new Error(`width ${r.width} is not divisible by heads ${r.heads}`);
  if (r.image % r.patch !== 0) throw new Error(`image ${r.image} is not divisible by patch ${r.patch}`);
  return r;
}

/** Parameter count of the image tower these options describe. */
export function vitParameterCount(opts: VitOptions = {}): number {
  const { layers, width: w, patch, image, dim } = resolveOptions(opts);
  const tokens = (image / patch) ** 2 + 1;
  const perLayer = 4 * (w * w + w) + 2 * 2 * w + (w * 4 * w + 4 * w) + (4 * w * w + w);
  return 3 * patch * patch * w + w + tokens * w + 2 * 2 * w + layers * perLayer + w * dim;
}

/** Uniform weights with standard deviation `std` (same variance as N(0, std²), far cheaper to draw). */
function randomWeights(rng: Rng, n: number, std: number): Float32Array {
  const a = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * a;
  return out;
}

const i64 = (...v: number[]) => BigInt64Array.from(v, (x) => BigInt(x));

function visionGraph(o: Resolved): Uint8Array {
  const { width: W, heads: H, patch: P, image: S, layers, dim } = o;
  const headDim = W / H;
  const grid = S / P;
  const tokens = grid * grid + 1;
  const rng = new Rng(o.seed);
  const g = new GraphBuilder('vit_random_vision');
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);
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
    g.initializer(`${prefix}.weight`, ones(W), [W]);
    g.initializer(`${prefix}.bias`, zeros(W), [W]);
    const y = t(`${prefix}.out`);
    g.node('LayerNormalization', [x, `${prefix}.weight`, `${prefix}.bias`], [y], { axis: -1, epsilon: 1e-5 });
    return y;
  };

  g.input('pixel_values', 'float32', ['batch', 3, S, S]);
  g.initializer('patch_embed.weight', randomWeights(rng, W * 3 * P * P, 1 / Math.sqrt(3 * P * P)), [W, 3, P, P]);
  g.node('Conv', ['pixel_values', 'patch_embed.weight'], ['patches'], { kernel_shape: [P, P], strides: [P, P] });
  g.initializer('shape_tokens_cf', i64(0, W, grid * grid), [3]);
  g.node('Reshape', ['patches', 'shape_tokens_cf'], ['patches_flat']);
  g.node('Transpose', ['patches_flat'], ['patch_tokens'], { perm: [0, 2, 1] });

  // Class token broadcast to the batch: Expand to [batch, 1, W], the batch read from the input.
  g.initializer('class_embedding', randomWeights(rng, W, 0.02), [1, 1, W]);
  g.node('Shape', ['pixel_values'], ['batch_dim'], { start: 0, end: 1 });
  g.initializer('one_w', i64(1, W), [2]);
  g.node('Concat', ['batch_dim', 'one_w'], ['class_shape'], { axis: 0 });
  g.node('Expand', ['class_embedding', 'class_shape'], ['class_tokens']);
  g.node('Concat', ['class_tokens', 'patch_tokens'], ['tokens'], { axis: 1 });
  g.initializer('position_embedding', randomWeights(rng, tokens * W, 0.02), [tokens, W]);
  g.node('Add', ['tokens', 'position_embedding'], ['embedded']);
  let x = layerNorm('embedded', 'pre_layernorm');

  g.initializer('shape_heads', i64(0, -1, H, headDim), [4]);
  g.initializer('shape_merge', i64(0, -1, W), [3]);
  g.initializer('attn_scale', new Float32Array([1 / Math.sqrt(headDim)]), []);
  if (o.activation === 'erf') {
    g.initializer('erf_half', new Float32Array([0.5]), []);
    g.initializer('erf_one', new Float32Array([1]), []);
    g.initializer('erf_inv_sqrt2', new Float32Array([Math.SQRT1_2]), []);
  } else {
    g.initializer('quick_gelu_k', new Float32Array([1.702]), []);
  }
  for (let l = 0; l < layers; l++) {
    const p = `layers.${l}`;
    const h = layerNorm(x, `${p}.layer_norm1`);
    const heads = (name: string, perm: number[]) => {
      const proj = linear(h, `${p}.self_attn.${name}_proj`, W, W);
      const split = t(`${p}.${name}_split`);
      g.node('Reshape', [proj, 'shape_heads'], [split]);
      const out = t(`${p}.${name}_heads`);
      g.node('Transpose', [split], [out], { perm });
      return out;
    };
    const q = heads('q', [0, 2, 1, 3]); // [B, H, T, d]
    const k = heads('k', [0, 2, 3, 1]); // [B, H, d, T]
    const v = heads('v', [0, 2, 1, 3]); // [B, H, T, d]
    const scores = t(`${p}.scores`);
    g.node('MatMul', [q, k], [scores]);
    const scaled = t(`${p}.scaled`);
    g.node('Mul', [scores, 'attn_scale'], [scaled]);
    const probs = t(`${p}.probs`);
    g.node('Softmax', [scaled], [probs], { axis: -1 });
    const ctx = t(`${p}.ctx`);
    g.node('MatMul', [probs, v], [ctx]);
    const ctxT = t(`${p}.ctx_t`);
    g.node('Transpose', [ctx], [ctxT], { perm: [0, 2, 1, 3] });
    const merged = t(`${p}.ctx_merged`);
    g.node('Reshape', [ctxT, 'shape_merge'], [merged]);
    const attn = linear(merged, `${p}.self_attn.out_proj`, W, W);
    const res1 = t(`${p}.res1`);
    g.node('Add', [x, attn], [res1]);

    const h2 = layerNorm(res1, `${p}.layer_norm2`);
    const fc1 = linear(h2, `${p}.mlp.fc1`, W, 4 * W);
    const act = t(`${p}.act`);
    if (o.activation === 'quick') {
      const kx = t(`${p}.kx`);
      g.node('Mul', [fc1, 'quick_gelu_k'], [kx]);
      const sig = t(`${p}.sig`);
      g.node('Sigmoid', [kx], [sig]);
      g.node('Mul', [fc1, sig], [act]);
    } else {
      // 0.5·x·(1 + erf(x/√2)): the pattern onnxruntime fuses into its Gelu kernel.
      const s = t(`${p}.s`);
      g.node('Mul', [fc1, 'erf_inv_sqrt2'], [s]);
      const e = t(`${p}.erf`);
      g.node('Erf', [s], [e]);
      const e1 = t(`${p}.erf1`);
      g.node('Add', [e, 'erf_one'], [e1]);
      const xe = t(`${p}.xe`);
      g.node('Mul', [fc1, e1], [xe]);
      g.node('Mul', [xe, 'erf_half'], [act]);
    }
    const fc2 = linear(act, `${p}.mlp.fc2`, 4 * W, W);
    const res2 = t(`${p}.res2`);
    g.node('Add', [res1, fc2], [res2]);
    x = res2;
  }

  g.initializer('class_index', i64(0), []);
  g.node('Gather', [x, 'class_index'], ['pooled'], { axis: 1 }); // [B, W]
  const post = layerNorm('pooled', 'post_layernorm');
  const embeds = linear(post, 'visual_projection', W, dim, false);
  g.node('Identity', [embeds], ['image_embeds']);
  g.output('image_embeds', 'float32', ['batch', dim]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench/bench/vit-graph' });
}

const TEXT_VOCAB = 49408;

/** Token embedding (narrow) → masked mean → projection to `dim` → text_embeds. */
function textGraph(o: Resolved): Uint8Array {
  const narrow = 16;
  const rng = new Rng(o.seed + 1);
  const g = new GraphBuilder('stand_in_text');
  g.input('input_ids', 'int64', ['batch', 'sequence']);
  g.input('attention_mask', 'int64', ['batch', 'sequence']);
  g.initializer('token_embedding', randomWeights(rng, TEXT_VOCAB * narrow, 1), [TEXT_VOCAB, narrow]);
  g.initializer('text_projection', randomWeights(rng, narrow * o.dim, 1 / Math.sqrt(narrow)), [narrow, o.dim]);
  g.initializer('axes_last', i64(-1), [1]);
  g.initializer('axes_seq', i64(1), [1]);
  g.node('Gather', ['token_embedding', 'input_ids'], ['emb'], { axis: 0 });
  g.node('Cast', ['attention_mask'], ['mask'], { to: 1 });
  g.node('Unsqueeze', ['mask', 'axes_last'], ['mask3']);
  g.node('Mul', ['emb', 'mask3'], ['kept']);
  g.node('ReduceSum', ['kept', 'axes_seq'], ['sum'], { keepdims: 0 });
  g.node('ReduceSum', ['mask', 'axes_seq'], ['count'], { keepdims: 1 });
  g.node('Div', ['sum', 'count'], ['mean']);
  g.node('MatMul', ['mean', 'text_projection'], ['text_embeds']);
  g.output('text_embeds', 'float32', ['batch', o.dim]);
  return g.toModelBytes({ opset: 17, producer: 'clip-bench/bench/vit-graph' });
}

function preprocessorConfig(o: Resolved): object {
  return preprocessConfigToHF({ ...CLIP_224, size: o.image, crop: { height: o.image, width: o.image } });
}

/** Options written next to the export, so a reuse can tell whether the cached graph matches. */
const STAMP = 'vit-options.json';

/**
 * Write the export into `dir` (transformers.js layout), or reuse it when `dir` already holds one built
 * from the same options. Written into a temporary sibling and renamed, so an interrupted write is
 * never mistaken for a finished one.
 */
export async function writeVitExport(dir: string, opts: VitOptions = {}): Promise<{ dir: string; reused: boolean; params: number }> {
  const o = resolveOptions(opts);
  const params = vitParameterCount(o);
  const stampPath = join(dir, STAMP);
  if (existsSync(stampPath)) {
    const old = await readFile(stampPath, 'utf8');
    if (old === JSON.stringify(o)) return { dir, reused: true, params };
    await rm(dir, { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'onnx'), { recursive: true });
  await writeFile(join(tmp, 'onnx', 'vision_model.onnx'), visionGraph(o));
  await writeFile(join(tmp, 'onnx', 'text_model.onnx'), textGraph(o));
  await writeFile(join(tmp, 'preprocessor_config.json'), JSON.stringify(preprocessorConfig(o), null, 2));
  await writeFile(
    join(tmp, 'config.json'),
    JSON.stringify({
      model_type: 'clip',
      projection_dim: o.dim,
      text_config: { max_position_embeddings: 77, vocab_size: TEXT_VOCAB },
      vision_config: { image_size: o.image, patch_size: o.patch, hidden_size: o.width, num_hidden_layers: o.layers, num_attention_heads: o.heads },
    }),
  );
  await writeFile(join(tmp, STAMP), JSON.stringify(o));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, reused: false, params };
}

/** The default benchmark export: full ViT-B/32 shape, seed 0, under the git-ignored .cache/. */
export const VIT_B32_DIR = join(PROJECT_ROOT, '.cache', 'bench', 'vit-b32-random');

export function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    onnxruntime: (ort.env as { versions?: { common?: string } }).versions?.common ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      layers: { type: 'string', default: '12' },
      threads: { type: 'string', default: String(availableParallelism()) },
      batch: { type: 'string', default: '16' },
      seconds: { type: 'string', default: '20' },
    },
  });
  const layers = Number(values.layers);
  const dir = layers === 12 ? VIT_B32_DIR : `${VIT_B32_DIR}-${layers}l`;
  const t0 = performance.now();
  const w = await writeVitExport(dir, { layers });
  console.log(`${w.reused ? 'reused' : 'wrote'} ${dir} (${(w.params / 1e6).toFixed(2)}M params) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const threads = Number(values.threads);
  const batch = Number(values.batch);
  const session = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_model.onnx'), {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  const pixels = randomWeights(new Rng(7), batch * 3 * 224 * 224, 1);
  const feeds = { pixel_values: new ort.Tensor('float32', pixels, [batch, 3, 224, 224]) };
  await session.run(feeds); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < Number(values.seconds) * 1000) {
    await session.run(feeds);
    n += batch;
  }
  const s = (performance.now() - start) / 1000;
  console.log(`onnxruntime encode-only: ${(n / s).toFixed(1)} img/s (threads ${threads}, batch ${batch}, ${n} images in ${s.toFixed(1)} s)`);
  await session.release();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
