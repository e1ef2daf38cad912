/**
 * `model.json`: an optional file in a model directory that states what introspection cannot know,
 * and overrides what it guesses. Every field is optional unless the directory has no recognised
 * layout (then `vision.file` is required). Paths are relative to the model directory.
 *
 * {
 *   "name": "openai-vit-b32",            // display name; default: the directory's name
 *   "kind": "clip" | "image-only",       // image-only: no text tower, linear probes only
 *   "vision": { "file": "visual.onnx",   // the image encoder
 *               "input": "pixels",       // default: pixel_values, else the graph's only input
 *               "output": "embeds" },    // default: image_embeds, else the only rank-2 output
 *   "text": { "file": "textual.onnx",    // the text encoder (required when kind is clip)
 *             "inputIds": "text",        // default: input_ids, else the only integer input
 *             "attentionMask": "mask",   // default: attention_mask when the graph has it
 *             "output": "embeds" },      // default: text_embeds, else the only rank-2 output
 *   "preprocess": { "size": 336, "crop": { "height": 336, "width": 336 } },
 *                                        // merged over preprocessor_config.json, else CLIP 224
 *   "tokenizer": { "padding": "eot", "contextLength": 77 },
 *                                        // merged over what tokenizer.json / the graph imply
 *   "embeddingDim": 512,                 // only needed when the graph's output dim is symbolic
 *   "logitScale": 100,                   // zero-shot logit scale (CLIP's learned value is 100)
 *   "demo": true,                        // a synthetic model for trying the harness, not a result
 *   "trainedOn": ["cifar10"],            // datasets whose labels the model saw: zero-shot on them
 *                                        // is in-domain and reports flag it
 *   "notes": "free text",
 *   "conversion": { "method": "int8-dynamic", "perChannel": false, "tool": "clip-bench 0.1.0",
 *                   "source": { "name": "demo-clip", "files": [{ "role", "file", "sha256", "bytes" }] },
 *                   "towers": { "vision": { … what was rewritten } } }
 *                                        // written by `models convert` (src/model/convert.ts)
 * }
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.ts';
import type { PreprocessConfig } from './preprocess/config.ts';
import type { TokenizerSpec } from './tokenizer/spec.ts';

export const MANIFEST_FILE = 'model.json';

export interface ManifestVision {
  file?: string;
  input?: string;
  output?: string;
}

export interface ManifestText {
  file?: string;
  inputIds?: string;
  attentionMask?: string;
  output?: string;
}

/** model.json as written (validated, nothing filled in). */
export interface Manifest {
  name?: string;
  kind?: 'clip' | 'image-only';
  vision?: ManifestVision;
  text?: ManifestText;
  preprocess?: Partial<PreprocessConfig>;
  tokenizer?: Partial<TokenizerSpec>;
  embeddingDim?: number;
  logitScale?: number;
  demo?: boolean;
  trainedOn?: string[];
  notes?: string;
  conversion?: ConversionRecord;
}

export const CONVERSION_METHODS = ['fp16', 'int8-dynamic'] as const;
export type ConversionMethod = (typeof CONVERSION_METHODS)[number];

/** Where a converted export came from and how it was made (`models convert`). */
export interface ConversionRecord {
  method: ConversionMethod;
  perChannel?: boolean;
  /** int8-dynamic: the op types quantized (MatMul, Gemm, and Conv when asked). */
  ops?: string[];
  /** 'clip-bench <version>'. */
  tool: string;
  source: { name: string; files: { role: 'vision' | 'text'; file: string; sha256: string; bytes: number }[] };
  /** Per tower: what the rewrite did (counts of tensors or nodes). */
  towers?: Record<string, Record<string, number>>;
}

/** The manifest after layout detection and introspection: what the model actually is. */
export interface ResolvedManifest {
  name: string;
  kind: 'clip' | 'image-only';
  /** Paths relative to the model directory; names are the graph tensors used. */
  vision: { file: string; input: string; output: string };
  text?: { file: string; inputIds: string; attentionMask?: string; output: string };
  preprocess: PreprocessConfig;
  tokenizer?: TokenizerSpec;
  embeddingDim: number;
  logitScale: number;
  demo: boolean;
  trainedOn: string[];
  notes?: string;
  /** How this export was made from another (`models convert`). */
  conversion?: ConversionRecord;
  /** Whether a model.json was present. */
  fromFile: boolean;
}

type Obj = Record<string, unknown>;

class Check {
  constructor(readonly source: string) {}

  fail(path: string, what: string): never {
    throw new UserError(`${this.source}: "${path}" ${what}; fix the model manifest (see src/model/manifest.ts)`);
  }

  object(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'must be an object');
    return v as Obj;
  }

  keys(o: Obj, path: string, known: string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) {
        const where = path ? `${path}.${k}` : k;
        this.fail(where, `is not a known field (known: ${known.join(', ')})`);
      }
    }
  }

  string(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') this.fail(path, 'must be a non-empty string');
    return v;
  }

  number(o: Obj, key: string, path: string, test: (n: number) => boolean, what: string): number | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || !test(v)) this.fail(path, `must be ${what}`);
    return v;
  }

  file(o: Obj, key: string, path: string): string | undefined {
    const v = this.string(o, key, path);
    if (v !== undefined && (v.startsWith('/') || v.split(/[\\/]/).includes('..'))) {
      this.fail(path, 'must be a path inside the model directory');
    }
    return v;
  }
}

const PREPROCESS_KEYS = ['resizeMode', 'size', 'crop', 'resample', 'rescale', 'mean', 'std'];
const TOKENIZER_KEYS = ['kind', 'contextLength', 'padding', 'lowercase', 'tokenizerJson'];

function triple(c: Check, o: Obj, key: string, path: string, positive: boolean): [number, number, number] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && (!positive || x > 0))) {
    c.fail(path, `must be three ${positive ? 'positive ' : ''}numbers (R, G, B)`);
  }
  return v as [number, number, number];
}

function parsePreprocess(c: Check, v: unknown): Partial<PreprocessConfig> {
  const o = c.object(v, 'preprocess');
  c.keys(o, 'preprocess', PREPROCESS_KEYS);
  const out: Partial<PreprocessConfig> = {};
  const isPosInt = (n: number) => Number.isInteger(n) && n > 0;
  if (o.resizeMode !== undefined) {
    if (o.resizeMode !== 'shortest' && o.resizeMode !== 'exact') c.fail('preprocess.resizeMode', "must be 'shortest' or 'exact'");
    out.resizeMode = o.resizeMode;
  }
  const size = c.number(o, 'size', 'preprocess.size', isPosInt, 'a positive integer');
  if (size !== undefined) out.size = size;
  if (o.crop !== undefined) {
    const crop = c.object(o.crop, 'preprocess.crop');
    c.keys(crop, 'preprocess.crop', ['height', 'width']);
    const height = c.number(crop, 'height', 'preprocess.crop.height', isPosInt, 'a positive integer');
    const width = c.number(crop, 'width', 'preprocess.crop.width', isPosInt, 'a positive integer');
    if (height === undefined || width === undefined) c.fail('preprocess.crop', 'needs both height and width');
    out.crop = { height, width };
  }
  if (o.resample !== undefined) {
    if (o.resample !== 'bicubic' && o.resample !== 'bilinear' && o.resample !== 'nearest') {
      c.fail('preprocess.resample', "must be 'bicubic', 'bilinear' or 'nearest'");
    }
    out.resample = o.resample;
  }
  const rescale = c.number(o, 'rescale', 'preprocess.rescale', (n) => n > 0, 'a positive number (1/255 for CLIP)');
  if (rescale !== undefined) out.rescale = rescale;
  const mean = triple(c, o, 'mean', 'preprocess.mean', false);
  if (mean) out.mean = mean;
  const std = triple(c, o, 'std', 'preprocess.std', true);
  if (std) out.std = std;
  return out;
}

function parseTokenizer(c: Check, v: unknown): Partial<TokenizerSpec> {
  const o = c.object(v, 'tokenizer');
  c.keys(o, 'tokenizer', TOKENIZER_KEYS);
  const out: Partial<TokenizerSpec> = {};
  if (o.kind !== undefined) {
    if (o.kind !== 'clip-bpe') c.fail('tokenizer.kind', "must be 'clip-bpe'");
    out.kind = o.kind;
  }
  const len = c.number(o, 'contextLength', 'tokenizer.contextLength', (n) => Number.isInteger(n) && n >= 3, 'an integer ≥ 3');
  if (len !== undefined) out.contextLength = len;
  if (o.padding !== undefined) {
    if (o.padding !== 'zeros' && o.padding !== 'eot') c.fail('tokenizer.padding', "must be 'zeros' or 'eot'");
    out.padding = o.padding;
  }
  if (o.lowercase !== undefined) {
    if (typeof o.lowercase !== 'boolean') c.fail('tokenizer.lowercase', 'must be true or false');
    out.lowercase = o.lowercase;
  }
  const tj = c.file(o, 'tokenizerJson', 'tokenizer.tokenizerJson');
  if (tj !== undefined) out.tokenizerJson = tj;
  return out;
}

function parseConversion(c: Check, v: unknown): ConversionRecord {
  const o = c.object(v, 'conversion');
  c.keys(o, 'conversion', ['method', 'perChannel', 'ops', 'tool', 'source', 'towers']);
  if (o.ops !== undefined && !(Array.isArray(o.ops) && o.ops.every((x) => typeof x === 'string'))) c.fail('conversion.ops', 'must be a list of op types');
  if (!(CONVERSION_METHODS as readonly unknown[]).includes(o.method)) c.fail('conversion.method', `must be ${CONVERSION_METHODS.join(' or ')}`);
  if (o.perChannel !== undefined && typeof o.perChannel !== 'boolean') c.fail('conversion.perChannel', 'must be true or false');
  if (c.string(o, 'tool', 'conversion.tool') === undefined) c.fail('conversion.tool', 'is required');
  const src = c.object(o.source, 'conversion.source');
  if (c.string(src, 'name', 'conversion.source.name') === undefined) c.fail('conversion.source.name', 'is required');
  const files = src.files;
  const fileOk = (f: any) =>
    typeof f === 'object' && f !== null && (f.role === 'vision' || f.role === 'text') && typeof f.file === 'string' &&
    typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) && Number.isInteger(f.bytes);
  if (!Array.isArray(files) || !files.every(fileOk)) c.fail('conversion.source.files', 'must list { role, file, sha256, bytes } per source file');
  if (o.towers !== undefined) c.object(o.towers, 'conversion.towers');
  return o as unknown as ConversionRecord;
}

/** Validate a parsed model.json. `file` names it in errors. */
export function parseManifest(json: unknown, file: string): Manifest {
  const c: Check = new Check(file);
  const o = c.object(json, '(top level)');
  c.keys(o, '', [
    'name', 'kind', 'vision', 'text', 'preprocess', 'tokenizer', 'embeddingDim', 'logitScale', 'demo', 'trainedOn', 'notes', 'conversion',
  ]);
  const m: Manifest = {};
  const name = c.string(o, 'name', 'name');
  if (name !== undefined) m.name = name;
  if (o.kind !== undefined) {
    if (o.kind !== 'clip' && o.kind !== 'image-only') c.fail('kind', "must be 'clip' or 'image-only'");
    m.kind = o.kind;
  }
  if (o.vision !== undefined) {
    const v = c.object(o.vision, 'vision');
    c.keys(v, 'vision', ['file', 'input', 'output']);
    m.vision = {};
    const file = c.file(v, 'file', 'vision.file');
    if (file !== undefined) m.vision.file = file;
    const input = c.string(v, 'input', 'vision.input');
    if (input !== undefined) m.vision.input = input;
    const output = c.string(v, 'output', 'vision.output');
    if (output !== undefined) m.vision.output = output;
  }
  if (o.text !== undefined) {
    if (m.kind === 'image-only') c.fail('text', "must be absent when kind is 'image-only'");
    const t = c.object(o.text, 'text');
    c.keys(t, 'text', ['file', 'inputIds', 'attentionMask', 'output']);
    m.text = {};
    const file = c.file(t, 'file', 'text.file');
    if (file !== undefined) m.text.file = file;
    const ids = c.string(t, 'inputIds', 'text.inputIds');
    if (ids !== undefined) m.text.inputIds = ids;
    const mask = c.string(t, 'attentionMask', 'text.attentionMask');
    if (mask !== undefined) m.text.attentionMask = mask;
    const output = c.string(t, 'output', 'text.output');
    if (output !== undefined) m.text.output = output;
  }
  if (o.preprocess !== undefined) m.preprocess = parsePreprocess(c, o.preprocess);
  if (o.tokenizer !== undefined) m.tokenizer = parseTokenizer(c, o.tokenizer);
  const dim = c.number(o, 'embeddingDim', 'embeddingDim', (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  if (dim !== undefined) m.embeddingDim = dim;
  const scale = c.number(o, 'logitScale', 'logitScale', (n) => n > 0, 'a positive number');
  if (scale !== undefined) m.logitScale = scale;
  if (o.demo !== undefined) {
    if (typeof o.demo !== 'boolean') c.fail('demo', 'must be true or false');
    m.demo = o.demo;
  }
  if (o.trainedOn !== undefined) {
    if (!Array.isArray(o.trainedOn) || !o.trainedOn.every((s) => typeof s === 'string' && s !== '')) {
      c.fail('trainedOn', 'must be a list of dataset names');
    }
    m.trainedOn = o.trainedOn as string[];
  }
  const notes = c.string(o, 'notes', 'notes');
  if (notes !== undefined) m.notes = notes;
  if (o.conversion !== undefined) m.conversion = parseConversion(c, o.conversion);
  return m;
}

/** Read and validate `path` (a model.json). */
export async function readManifest(path: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: cannot read model manifest (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message}); fix the model manifest`);
  }
  return parseManifest(json, path);
}
