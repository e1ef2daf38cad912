import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLayout, resolvePreprocess, resolveTokenizerSpec } from '../../src/model/layout.ts';
import { parseManifest, readManifest } from '../../src/model/manifest.ts';
import { CLIP_224 } from '../../src/model/preprocess/config.ts';
import { UserError } from '../../src/util/errors.ts';
import { writeTinyExport } from '../helpers/tiny-exports.ts';

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'model-layout-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  const dir = join(root, `d${counter++}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

function userErrorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

async function asyncUserErrorOf(p: Promise<unknown>): Promise<UserError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

describe('parseManifest', () => {
  it('accepts the documented schema', () => {
    const m = parseManifest(
      {
        name: 'x',
        kind: 'clip',
        vision: { file: 'v.onnx', input: 'img', output: 'emb' },
        text: { file: 't.onnx', inputIds: 'ids', attentionMask: 'mask', output: 'emb' },
        preprocess: { size: 336, crop: { height: 336, width: 336 }, resample: 'bicubic', mean: [0.5, 0.5, 0.5] },
        tokenizer: { padding: 'eot', contextLength: 64 },
        embeddingDim: 768,
        logitScale: 100,
        demo: false,
        trainedOn: ['cifar10'],
        notes: 'n',
      },
      'model.json',
    );
    expect(m.text).toEqual({ file: 't.onnx', inputIds: 'ids', attentionMask: 'mask', output: 'emb' });
    expect(m.preprocess).toEqual({ size: 336, crop: { height: 336, width: 336 }, resample: 'bicubic', mean: [0.5, 0.5, 0.5] });
    expect(m.trainedOn).toEqual(['cifar10']);
  });

  it('names the file and the field for an unknown key, a bad kind, a bad value', () => {
    expect(userErrorOf(() => parseManifest({ trainedon: [] }, '/m/model.json')).message).toMatch(
      /^\/m\/model\.json: "trainedon" is not a known field/,
    );
    expect(userErrorOf(() => parseManifest({ kind: 'clip-ish' }, 'model.json')).message).toMatch(/"kind" must be 'clip' or 'image-only'/);
    expect(userErrorOf(() => parseManifest({ preprocess: { std: [0, 1, 1] } }, 'model.json')).message).toMatch(/"preprocess.std"/);
    expect(userErrorOf(() => parseManifest({ vision: { file: '../up.onnx' } }, 'model.json')).message).toMatch(/"vision.file".*inside/);
    expect(userErrorOf(() => parseManifest({ kind: 'image-only', text: { file: 't.onnx' } }, 'model.json')).message).toMatch(/"text"/);
    expect(userErrorOf(() => parseManifest([], 'model.json')).message).toMatch(/must be an object/);
  });

  it('reports invalid JSON with the path', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'model.json'), '{ "kind": ');
    const e = await asyncUserErrorOf(readManifest(join(dir, 'model.json')));
    expect(e.message).toContain(join(dir, 'model.json'));
    expect(e.message).toMatch(/not valid JSON/);
  });
});

describe('detectLayout', () => {
  it('recognises each tiny export layout', async () => {
    const cases = [
      ['transformers.js', 'transformers.js', 'onnx/vision_model.onnx', 'onnx/text_model.onnx'],
      ['two-file', 'two-file', 'visual.onnx', 'textual.onnx'],
      ['manifest', 'manifest', 'image_encoder.onnx', 'text_encoder.onnx'],
      ['image-only', 'manifest', 'vision.onnx', undefined],
    ] as const;
    for (const [layout, name, vision, text] of cases) {
      const dir = await freshDir();
      await writeTinyExport(dir, { layout });
      const found = await detectLayout(dir);
      expect(found.layout).toBe(name);
      expect(found.visionFile).toBe(vision);
      expect(found.textFile).toBe(text);
      expect(found.kind).toBe(text ? 'clip' : 'image-only');
    }
  });

  it('picks the transformers.js variant asked for', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'transformers.js', quantizedVariant: true });
    const found = await detectLayout(dir, { variant: 'quantized' });
    expect(found.variant).toBe('quantized');
    expect(found.visionFile).toBe('onnx/vision_model_quantized.onnx');
    expect(found.textFile).toBe('onnx/text_model_quantized.onnx');
    expect(found.preprocessorConfigPath).toBe(join(dir, 'preprocessor_config.json'));
  });

  it('a missing text tower is an error that suggests kind image-only', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file' });
    await unlink(join(dir, 'textual.onnx'));
    const e = await asyncUserErrorOf(detectLayout(dir));
    expect(e.message).toContain(join(dir, 'textual.onnx'));
    expect(e.message).toMatch(/image-only/);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ kind: 'image-only' }));
    expect((await detectLayout(dir)).textFile).toBeUndefined();
  });

  it('an unrecognised directory lists what it expected and the .onnx files it saw', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'encoder.onnx'), '');
    const e = await asyncUserErrorOf(detectLayout(dir));
    expect(e.message).toMatch(/no CLIP export recognised/);
    expect(e.message).toMatch(/encoder\.onnx: write a model\.json/);
  });

  it('a vision file named by model.json must exist', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'model.json'), JSON.stringify({ kind: 'image-only', vision: { file: 'nope.onnx' } }));
    const e = await asyncUserErrorOf(detectLayout(dir));
    expect(e.message).toMatch(/nope\.onnx: vision encoder not found/);
  });

  it('a bad model.json fails detection with the file named', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file', manifest: { logitScale: -1 } });
    const e = await asyncUserErrorOf(detectLayout(dir));
    expect(e.message).toMatch(/model\.json: "logitScale" must be a positive number/);
  });
});

describe('resolvePreprocess', () => {
  it('is CLIP 224 with no side files; a manifest size means a square crop of that size', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file' });
    expect(await resolvePreprocess(await detectLayout(dir))).toEqual(CLIP_224);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ preprocess: { size: 336, resample: 'bilinear' } }));
    expect(await resolvePreprocess(await detectLayout(dir))).toEqual({
      ...CLIP_224,
      size: 336,
      crop: { height: 336, width: 336 },
      resample: 'bilinear',
    });
  });
});

describe('resolveTokenizerSpec', () => {
  async function specFor(files: Record<string, unknown>, facts = { takesAttentionMask: false }) {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file' });
    for (const [name, json] of Object.entries(files)) await writeFile(join(dir, name), JSON.stringify(json));
    return { dir, spec: await resolveTokenizerSpec(await detectLayout(dir), facts) };
  }

  it('defaults to OpenAI: pad with zeros, 77, lowercase', async () => {
    const { spec } = await specFor({});
    expect(spec).toEqual({ kind: 'clip-bpe', contextLength: 77, padding: 'zeros', lowercase: true });
  });

  it('pads with <|endoftext|> when the graph takes attention_mask', async () => {
    const { spec } = await specFor({}, { takesAttentionMask: true });
    expect(spec.padding).toBe('eot');
  });

  it('reads tokenizer.json: pad token, fixed length, lowercase normalizer, and points at the file', async () => {
    const { dir, spec } = await specFor({
      'tokenizer.json': {
        padding: { strategy: { Fixed: 64 }, pad_id: 49407, pad_token: '<|endoftext|>' },
        truncation: { max_length: 64 },
        normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Lowercase' }] },
        model: { type: 'BPE' },
      },
    });
    expect(spec).toEqual({
      kind: 'clip-bpe',
      contextLength: 64,
      padding: 'eot',
      lowercase: true,
      tokenizerJson: join(dir, 'tokenizer.json'),
    });
  });

  it('LAION-style pad token "!" means zero padding even with attention_mask', async () => {
    const { spec } = await specFor({ 'tokenizer_config.json': { pad_token: '!', model_max_length: 77 } }, { takesAttentionMask: true });
    expect(spec.padding).toBe('zeros');
  });

  it('a static sequence dim fixes the context length; model.json overrides the rest', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file', manifest: { tokenizer: { padding: 'eot', lowercase: false } } });
    const spec = await resolveTokenizerSpec(await detectLayout(dir), { takesAttentionMask: false, staticContextLength: 77 });
    expect(spec).toMatchObject({ contextLength: 77, padding: 'eot', lowercase: false });
  });

  it('a model.json context length that contradicts the graph is an error', async () => {
    const dir = await freshDir();
    await writeTinyExport(dir, { layout: 'two-file', manifest: { tokenizer: { contextLength: 64 } } });
    const e = await asyncUserErrorOf(
      resolveTokenizerSpec(await detectLayout(dir), { takesAttentionMask: false, staticContextLength: 77 }),
    );
    expect(e.message).toMatch(/model\.json: "tokenizer.contextLength" is 64.*length 77/);
  });
});
