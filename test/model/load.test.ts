import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipModel } from '../../src/model/clip-model.ts';
import { loadModel } from '../../src/model/load.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import type { TokenizedBatch } from '../../src/model/tokenizer/spec.ts';
import { UserError } from '../../src/util/errors.ts';
import { tinyImageEmbedding, tinyWeights, writeTinyExport } from '../helpers/tiny-exports.ts';
import type { TinyExportOptions } from '../helpers/tiny-exports.ts';

let root: string;
let counter = 0;
const open: ClipModel[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'load-model-'));
});
afterAll(async () => {
  for (const m of open) await m.release();
  await rm(root, { recursive: true, force: true });
});

async function exportDir(opts: TinyExportOptions): Promise<string> {
  const dir = join(root, `m${counter++}`);
  await writeTinyExport(dir, opts);
  return dir;
}

async function load(dir: string, opts: { variant?: 'fp32' | 'quantized' | 'fp16' } = {}): Promise<ClipModel> {
  const m = await loadModel(dir, { threads: 1, ...opts });
  open.push(m);
  return m;
}

/** n distinct images [n, 3, size, size]: image k is a smooth ramp with its own slope and offset. */
function images(n: number, size = 224): Float32Array {
  const per = 3 * size * size;
  const px = new Float32Array(n * per);
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < size * size; i++) {
        px[k * per + c * size * size + i] = Math.sin((i / (size * size)) * (k + 1) * 3 + c) * (1 + k * 0.3) - 0.2 * k;
      }
    }
  }
  return px;
}

/** Hand-built CLIP-style ids: <|startoftext|> tokens… <|endoftext|>, padded. */
function tokens(rows: number[][], L: number, padding: 'zeros' | 'eot'): TokenizedBatch {
  const ids = new Int32Array(rows.length * L).fill(padding === 'eot' ? 49407 : 0);
  const attentionMask = new Int32Array(rows.length * L);
  const eotPositions = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    const seq = [49406, ...r, 49407];
    seq.forEach((t, i) => {
      ids[k * L + i] = t;
      attentionMask[k * L + i] = 1;
    });
    eotPositions[k] = seq.length - 1;
  });
  return { n: rows.length, contextLength: L, ids, attentionMask, eotPositions };
}

const SENTENCES = [[320, 1125, 539, 320, 2368], [320, 1125, 539, 320, 1929], [1237, 786]];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function expectUserError(p: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const msg = (err as Error).message;
  expect(msg.includes('\n')).toBe(false);
  for (const re of patterns) expect(msg).toMatch(re);
}

describe('loadModel: layouts', () => {
  it('two-file export: generic names found by rank and dtype, OpenAI tokenizer defaults, CLIP 224', async () => {
    const dir = await exportDir({ layout: 'two-file', seed: 1 });
    const m = await load(dir);
    expect(m.layout).toBe('two-file');
    expect(m.hasText).toBe(true);
    expect(m.embeddingDim).toBe(8);
    expect(m.signature.vision.input).toEqual({ name: 'input', type: 'float32', shape: ['batch', 3, 224, 224] });
    expect(m.signature.vision.output.name).toBe('output');
    expect(m.signature.text!.inputIds).toEqual({ name: 'text', type: 'int64', shape: ['batch', 77] });
    expect(m.signature.text!.attentionMask).toBeUndefined();
    expect(m.tokenizer).toEqual({ kind: 'clip-bpe', contextLength: 77, padding: 'zeros', lowercase: true });
    expect(m.preprocess).toEqual(CLIP_224);
    expect(m.logitScale).toBe(100);
    expect(m.manifest).toMatchObject({ kind: 'clip', demo: false, trainedOn: [], fromFile: false });
    expect(m.name).toBe(dir.split('/').pop());
  });

  it('records each file with its role, size and SHA-256', async () => {
    const dir = await exportDir({ layout: 'two-file' });
    const m = await load(dir);
    expect(m.files.map((f) => [f.role, f.path])).toEqual([
      ['vision', join(dir, 'visual.onnx')],
      ['text', join(dir, 'textual.onnx')],
    ]);
    for (const f of m.files) {
      const bytes = await readFile(f.path);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(f.bytes).toBe((await stat(f.path)).size);
    }
  });

  it('manifest layout: model.json names files, inputs and outputs the graph alone leaves ambiguous', async () => {
    const dir = await exportDir({ layout: 'manifest', attentionMask: true, idsDtype: 'int32' });
    const m = await load(dir);
    expect(m.layout).toBe('manifest');
    expect(m.name).toBe('tiny-manifest');
    expect(m.signature.vision.input.name).toBe('image');
    expect(m.signature.vision.output.name).toBe('embedding');
    expect(m.signature.text!.inputIds).toEqual({ name: 'tokens', type: 'int32', shape: ['batch', 'sequence'] });
    expect(m.signature.text!.attentionMask!.name).toBe('tokens_mask');
    expect(m.tokenizer!.padding).toBe('eot'); // a graph that takes attention_mask was exported HF-style
    expect(m.manifest.fromFile).toBe(true);
  });

  it('without model.json, two rank-2 outputs are ambiguous and the error says to name one', async () => {
    const dir = await exportDir({ layout: 'manifest' });
    await unlink(join(dir, 'model.json'));
    await writeFile(join(dir, 'model.json'), JSON.stringify({ vision: { file: 'image_encoder.onnx' }, text: { file: 'text_encoder.onnx' } }));
    await expectUserError(load(dir), /image_encoder\.onnx/, /"embedding"/, /"features"/, /vision\.output/);
  });

  it('image-only: no text tower, no tokenizer, and encodeTexts is a clear error', async () => {
    const dir = await exportDir({ layout: 'image-only' });
    const m = await load(dir);
    expect(m.layout).toBe('manifest');
    expect(m.hasText).toBe(false);
    expect(m.tokenizer).toBeUndefined();
    expect(m.signature.text).toBeUndefined();
    expect(m.files.map((f) => f.role)).toEqual(['vision']);
    expect(m.manifest.kind).toBe('image-only');
    await expectUserError(m.encodeTexts(['a photo of a cat.']), /image-only/);
    expect((await m.encodeImages(images(2), 2)).length).toBe(16);
  });

  it('carries demo, trainedOn, logitScale and notes from model.json', async () => {
    const dir = await exportDir({
      layout: 'two-file',
      manifest: { demo: true, trainedOn: ['cifar10'], logitScale: 50, notes: 'tiny', name: 'demo-clip' },
    });
    const m = await load(dir);
    expect(m.name).toBe('demo-clip');
    expect(m.logitScale).toBe(50);
    expect(m.manifest).toMatchObject({ demo: true, trainedOn: ['cifar10'], notes: 'tiny', logitScale: 50 });
  });

  it('a manifest preprocess size sets the crop, and must match a static graph input', async () => {
    const dir = await exportDir({ layout: 'two-file', imageSize: 64 });
    const m = await load(dir);
    expect(m.preprocess.crop).toEqual({ height: 64, width: 64 });
    expect(m.preprocess.size).toBe(64);
    expect((await m.encodeImages(images(1, 64), 1)).length).toBe(8);
  });
});

describe('loadModel: transformers.js layout (needs preprocessConfigFromHF in src/model/preprocess/index.ts)', () => {
  it('finds onnx/vision_model.onnx + text_model.onnx with their real names; pads with <|endoftext|>', async () => {
    const dir = await exportDir({ layout: 'transformers.js', seed: 3 });
    const m = await load(dir);
    expect(m.layout).toBe('transformers.js');
    expect(m.files.map((f) => f.path)).toEqual([join(dir, 'onnx/vision_model.onnx'), join(dir, 'onnx/text_model.onnx')]);
    expect(m.signature.vision.input.name).toBe('pixel_values');
    expect(m.signature.vision.output.name).toBe('image_embeds'); // chosen by name over last_hidden_state
    expect(m.signature.text!.inputIds.name).toBe('input_ids');
    expect(m.signature.text!.attentionMask!.name).toBe('attention_mask');
    expect(m.signature.text!.output.name).toBe('text_embeds');
    expect(m.tokenizer).toMatchObject({ padding: 'eot', contextLength: 77 });
    expect(m.preprocess.crop).toEqual({ height: 224, width: 224 });
    expect(m.preprocess.mean).toEqual(CLIP_224.mean);
  });

  it('variant "quantized" loads the *_quantized files: close to fp32, not identical', async () => {
    const dir = await exportDir({ layout: 'transformers.js', quantizedVariant: true });
    const fp32 = await load(dir);
    const q = await load(dir, { variant: 'quantized' });
    expect(q.files[0].path).toBe(join(dir, 'onnx/vision_model_quantized.onnx'));
    const a = await fp32.encodeImages(images(2), 2);
    const b = await q.encodeImages(images(2), 2);
    const d = maxAbsDiff(a, b);
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThan(0.05);
  });

  it('variant "fp16" feeds float16 pixels and ids and reads float16 outputs', async () => {
    const dir = await exportDir({ layout: 'transformers.js', fp16Variant: true });
    const fp32 = await load(dir);
    const h = await load(dir, { variant: 'fp16' });
    expect(h.signature.vision.input.type).toBe('float16');
    expect(maxAbsDiff(await fp32.encodeImages(images(2), 2), await h.encodeImages(images(2), 2))).toBeLessThan(0.01);
    const t = tokens(SENTENCES, 77, 'eot');
    expect(maxAbsDiff(await fp32.encodeTokens(t), await h.encodeTokens(t))).toBeLessThan(0.01);
  });

  it('a missing variant is an error listing the ones present', async () => {
    const dir = await exportDir({ layout: 'transformers.js' });
    await expectUserError(load(dir, { variant: 'fp16' }), /vision_model_fp16\.onnx/, /available variants: fp32/);
  });
});

describe('ClipModel encoding', () => {
  it('encodeImages: different images give different embeddings, equal to the graph computed by hand', async () => {
    const dir = await exportDir({ layout: 'two-file', seed: 7 });
    const m = await load(dir);
    const px = images(3);
    const emb = await m.encodeImages(px, 3);
    expect(emb.length).toBe(3 * 8);
    const row = (k: number) => emb.subarray(k * 8, (k + 1) * 8);
    expect(maxAbsDiff(row(0), row(1))).toBeGreaterThan(0.01);
    const per = 3 * 224 * 224;
    const want = tinyImageEmbedding(tinyWeights({ seed: 7 }), px.subarray(per, 2 * per));
    expect(maxAbsDiff(row(1), want)).toBeLessThan(1e-5);
  });

  it('encodeImages with a static batch of 1 runs image by image', async () => {
    const dir = await exportDir({ layout: 'two-file', seed: 7, visionInputShape: [1, 3, 224, 224] });
    const m = await load(dir);
    const dynamic = await load(await exportDir({ layout: 'two-file', seed: 7 }));
    expect(maxAbsDiff(await m.encodeImages(images(3), 3), await dynamic.encodeImages(images(3), 3))).toBeLessThan(1e-6);
  });

  it('encodeImages rejects a pixel buffer of the wrong size', async () => {
    const m = await load(await exportDir({ layout: 'image-only' }));
    await expect(m.encodeImages(new Float32Array(10), 1)).rejects.toThrow(/10 values for 1 images of 3×224×224/);
  });

  it('int32 and int64 ids give identical text embeddings (with and without attention_mask)', async () => {
    for (const attentionMask of [false, true]) {
      const e64 = await load(await exportDir({ layout: 'manifest', idsDtype: 'int64', attentionMask, seed: 5 }));
      const e32 = await load(await exportDir({ layout: 'manifest', idsDtype: 'int32', attentionMask, seed: 5 }));
      expect(e32.signature.text!.inputIds.type).toBe('int32');
      expect(e64.signature.text!.inputIds.type).toBe('int64');
      const batch = tokens(SENTENCES, 77, attentionMask ? 'eot' : 'zeros');
      const a = await e64.encodeTokens(batch);
      expect(a.length).toBe(3 * 8);
      expect(Array.from(await e32.encodeTokens(batch))).toEqual(Array.from(a));
      expect(maxAbsDiff(a.subarray(0, 8), a.subarray(8, 16))).toBeGreaterThan(0.01);
    }
  });

  it('a [batch, seq, dim] text output is read at the end-token position', async () => {
    const pooled = await load(await exportDir({ layout: 'manifest', textPooling: 'eot', seed: 9 }));
    const hidden = await load(await exportDir({ layout: 'manifest', textPooling: 'hidden', seed: 9, textOutputName: 'last_hidden_state' }));
    expect(hidden.signature.text!.pooling).toBe('eot');
    expect(hidden.embeddingDim).toBe(8);
    const batch = tokens(SENTENCES, 77, 'zeros');
    expect(maxAbsDiff(await hidden.encodeTokens(batch), await pooled.encodeTokens(batch))).toBeLessThan(1e-6);
  });

  it('encodeTokens rejects ids longer than a static sequence input', async () => {
    const m = await load(await exportDir({ layout: 'two-file' }));
    await expect(m.encodeTokens(tokens(SENTENCES, 64, 'zeros'))).rejects.toThrow(/length 64.*takes 77/);
  });
});

describe('ClipModel.encodeTexts (needs loadTokenizer in src/model/tokenizer/index.ts)', () => {
  it('returns [m, d] and equals encodeTokens of the model tokenizer output', async () => {
    const m = await load(await exportDir({ layout: 'two-file', seed: 11 }));
    const texts = Array.from({ length: 70 }, (_, i) => `a photo of a ${i % 2 ? 'cat' : 'dog'} number ${i}.`);
    const emb = await m.encodeTexts(texts);
    expect(emb.length).toBe(70 * 8);
    const { loadTokenizer } = await import('../../src/model/tokenizer/index.ts');
    const tok = await loadTokenizer(m.tokenizer!);
    const direct = await m.encodeTokens(tok.tokenize(texts.slice(64)));
    expect(maxAbsDiff(emb.subarray(64 * 8), direct)).toBeLessThan(1e-6);
    expect(maxAbsDiff(emb.subarray(0, 8), emb.subarray(8, 16))).toBeGreaterThan(0.01);
  });

  it('int32 and int64 exports embed the same text identically', async () => {
    const a = await load(await exportDir({ layout: 'two-file', idsDtype: 'int64', seed: 12 }));
    const b = await load(await exportDir({ layout: 'two-file', idsDtype: 'int32', seed: 12 }));
    const texts = ['a photo of a cat.', 'a blurry photo of the truck.'];
    expect(Array.from(await b.encodeTexts(texts))).toEqual(Array.from(await a.encodeTexts(texts)));
  });
});

describe('loadModel: errors name the file and the tensor', () => {
  it('an input named by model.json that the graph lacks', async () => {
    const dir = await exportDir({ layout: 'image-only', manifest: { vision: { file: 'vision.onnx', input: 'pixel_values' } } });
    await expectUserError(load(dir), /vision\.onnx/, /no input "pixel_values"/, /"pixels"/);
  });

  it('rank-3 pixel input', async () => {
    const dir = await exportDir({ layout: 'two-file', visionInputShape: ['batch', 3, 224] });
    await expectUserError(load(dir), /visual\.onnx/, /"input"/, /rank 4/);
  });

  it('towers with different embedding dims', async () => {
    const dir = await exportDir({ layout: 'two-file', dim: 8, textDim: 16 });
    await expectUserError(load(dir), /visual\.onnx.*dim 8/, /textual\.onnx.*dim 16/);
  });

  it('a static image size that disagrees with the preprocessing crop', async () => {
    const dir = await exportDir({ layout: 'two-file', visionInputShape: ['batch', 3, 336, 336] });
    await expectUserError(load(dir), /visual\.onnx/, /336×336/, /224×224/, /preprocess/);
  });

  it('embeddingDim in model.json that disagrees with the graph', async () => {
    const dir = await exportDir({ layout: 'two-file', manifest: { embeddingDim: 512 } });
    await expectUserError(load(dir), /model\.json/, /embeddingDim/, /512/);
  });

  it('a text graph without an integer ids input', async () => {
    const dir = await exportDir({ layout: 'manifest', manifest: { text: { file: 'image_encoder.onnx' } } });
    await expectUserError(load(dir), /image_encoder\.onnx/, /input/);
  });

  it('a file onnxruntime cannot parse', async () => {
    const dir = await exportDir({ layout: 'two-file' });
    await writeFile(join(dir, 'textual.onnx'), 'garbage');
    await expectUserError(load(dir), /textual\.onnx/, /onnxruntime cannot load/);
  });
});
