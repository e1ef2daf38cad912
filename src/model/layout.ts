/**
 * Which files in a model directory are the encoders, and what the side files say about
 * preprocessing and tokenization, for the layouts exports use (e.g. Xenova/clip-vit-base-patch32
 * on the Hugging Face hub for transformers.js / Optimum; jina-ai/clip-as-service for two files):
 * - transformers.js / Optimum: onnx/vision_model{,_quantized,_fp16}.onnx, onnx/text_model*.onnx,
 *   preprocessor_config.json, tokenizer.json, tokenizer_config.json, config.json
 * - two-file (clip-as-service / OpenAI style): visual.onnx + textual.onnx
 * - manifest: any files, named by model.json
 * A model.json, when present, overrides whatever the files imply (src/model/manifest.ts).
 */
import { access, readFile, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { MANIFEST_FILE, readManifest } from './manifest.ts';
import type { Manifest } from './manifest.ts';
import { CLIP_224 } from './preprocess/config.ts';
import type { PreprocessConfig } from './preprocess/config.ts';
import { preprocessConfigFromHF } from './preprocess/index.ts';
import { OPENAI_CLIP_TOKENIZER } from './tokenizer/spec.ts';
import type { TokenizerSpec } from './tokenizer/spec.ts';

export type LayoutName = 'transformers.js' | 'two-file' | 'manifest';
export type Variant = 'fp32' | 'quantized' | 'fp16';

export const VARIANT_SUFFIX: Record<Variant, string> = { fp32: '', quantized: '_quantized', fp16: '_fp16' };

export interface DetectedLayout {
  dir: string;
  layout: LayoutName;
  /** transformers.js only: the weight variant chosen. */
  variant?: Variant;
  kind: 'clip' | 'image-only';
  /** Encoder files, relative to dir. */
  visionFile: string;
  textFile?: string;
  /** Validated model.json, if the directory has one. */
  manifest?: Manifest;
  manifestPath?: string;
  /** Side files, absolute paths, when present. */
  preprocessorConfigPath?: string;
  tokenizerJsonPath?: string;
  tokenizerConfigPath?: string;
  configPath?: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const n of names) if (await exists(join(dir, n))) return join(dir, n);
  return undefined;
}

async function readJson(path: string): Promise<any> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: cannot read as JSON (${(e as Error).message}); fix or remove the file`);
  }
}

async function transformersJsVariants(dir: string): Promise<Variant[]> {
  const found: Variant[] = [];
  for (const v of Object.keys(VARIANT_SUFFIX) as Variant[]) {
    if (await exists(join(dir, 'onnx', `vision_model${VARIANT_SUFFIX[v]}.onnx`))) found.push(v);
  }
  return found;
}

/** Find the encoders of the export in `dir`. */
export async function detectLayout(dir: string, opts: { variant?: Variant } = {}): Promise<DetectedLayout> {
  dir = resolve(dir);
  if (!(await exists(dir))) throw new UserError(`${dir}: model directory not found`);
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = (await exists(manifestPath)) ? await readManifest(manifestPath) : undefined;
  const side = {
    preprocessorConfigPath: await firstExisting(dir, ['preprocessor_config.json']),
    tokenizerJsonPath: await firstExisting(dir, ['tokenizer.json']),
    tokenizerConfigPath: await firstExisting(dir, ['tokenizer_config.json']),
    configPath: await firstExisting(dir, ['config.json']),
  };
  const wantImageOnly = manifest?.kind === 'image-only';
  let found: Pick<DetectedLayout, 'layout' | 'variant' | 'visionFile' | 'textFile'>;

  if (manifest?.vision?.file) {
    found = { layout: 'manifest', visionFile: manifest.vision.file, textFile: manifest.text?.file };
  } else if ((await transformersJsVariants(dir)).length > 0) {
    const variants = await transformersJsVariants(dir);
    // Unasked, fp32; an export holding only other variants (e.g. one written by `models convert`) gets its first.
    const variant = opts.variant ?? (variants.includes('fp32') ? 'fp32' : variants[0]);
    if (!variants.includes(variant)) {
      throw new UserError(
        `${join(dir, 'onnx')}: no ${variant} vision model (onnx/vision_model${VARIANT_SUFFIX[variant]}.onnx); ` +
          `available variants: ${variants.join(', ')}`,
      );
    }
    const textFile = `onnx/text_model${VARIANT_SUFFIX[variant]}.onnx`;
    found = {
      layout: 'transformers.js',
      variant,
      visionFile: `onnx/vision_model${VARIANT_SUFFIX[variant]}.onnx`,
      textFile: manifest?.text?.file ?? textFile,
    };
  } else if (await exists(join(dir, 'visual.onnx'))) {
    found = { layout: 'two-file', visionFile: 'visual.onnx', textFile: manifest?.text?.file ?? 'textual.onnx' };
  } else {
    const onnxFiles = (await readdir(dir)).filter((f) => f.endsWith('.onnx'));
    const combined = await exists(join(dir, 'onnx', 'model.onnx'));
    throw new UserError(
      `${dir}: no CLIP export recognised: expected onnx/vision_model.onnx + onnx/text_model.onnx (transformers.js), ` +
        `visual.onnx + textual.onnx, or a model.json naming the files` +
        (combined ? '; a combined onnx/model.onnx is not supported, export the towers separately' : '') +
        (onnxFiles.length ? ` (found ${onnxFiles.join(', ')}: write a model.json)` : ''),
    );
  }

  if (wantImageOnly) found.textFile = undefined;
  for (const [role, file] of [['vision', found.visionFile], ['text', found.textFile]] as const) {
    if (file && !(await exists(join(dir, file)))) {
      const hint =
        role === 'text'
          ? `; add a model.json with "kind": "image-only" to use the image encoder alone`
          : manifest?.vision?.file
            ? ` (named by ${manifestPath} "vision.file")`
            : '';
      throw new UserError(`${join(dir, file)}: ${role} encoder not found${hint}`);
    }
  }
  if (!found.textFile && !wantImageOnly) {
    throw new UserError(
      `${manifestPath}: no text encoder: set "text": { "file": … } or "kind": "image-only"`,
    );
  }
  return {
    dir,
    ...found,
    kind: found.textFile ? 'clip' : 'image-only',
    ...(manifest ? { manifest, manifestPath } : {}),
    ...Object.fromEntries(Object.entries(side).filter(([, v]) => v !== undefined)),
  };
}

/**
 * The model's preprocessing: model.json "preprocess" merged over preprocessor_config.json
 * (Hugging Face format), else over CLIP 224.
 */
export async function resolvePreprocess(found: DetectedLayout): Promise<PreprocessConfig> {
  let base = CLIP_224;
  if (found.preprocessorConfigPath) {
    base = preprocessConfigFromHF(await readJson(found.preprocessorConfigPath), found.preprocessorConfigPath);
  }
  const over = found.manifest?.preprocess ?? {};
  const merged: PreprocessConfig = { ...base, ...over, crop: { ...(over.crop ?? base.crop) } };
  // A manifest that only changes `size` means a square model at that size.
  if (over.size !== undefined && over.crop === undefined) {
    merged.crop = { height: over.size, width: over.size };
  }
  return merged;
}

/** What the text graph tells us about its ids. */
export interface TextGraphFacts {
  takesAttentionMask: boolean;
  /** The sequence dim of the ids input when static. */
  staticContextLength?: number;
}

const CLIP_EOT = 49407;

function padFromToken(token: unknown, id: unknown): 'zeros' | 'eot' | undefined {
  const content = typeof token === 'object' && token !== null ? (token as { content?: unknown }).content : token;
  if (id === CLIP_EOT || content === '<|endoftext|>') return 'eot';
  // LAION exports pad with "!" (id 0), the same ids as OpenAI's zero padding.
  if (id === 0 || content === '!') return 'zeros';
  return undefined;
}

function hasLowercase(normalizer: any): boolean | undefined {
  if (!normalizer || typeof normalizer !== 'object') return undefined;
  if (normalizer.type === 'Lowercase') return true;
  if (normalizer.type === 'BertNormalizer') return normalizer.lowercase !== false;
  if (Array.isArray(normalizer.normalizers)) return normalizer.normalizers.some((n: any) => hasLowercase(n) === true);
  return false;
}

/**
 * The tokenizer spec: model.json "tokenizer" over what tokenizer.json / tokenizer_config.json say,
 * over transformers.js habits (pad with <|endoftext|> and pass attention_mask), over OpenAI's
 * (pad with 0). A static sequence dim in the graph fixes the context length.
 */
export async function resolveTokenizerSpec(found: DetectedLayout, facts: TextGraphFacts): Promise<TokenizerSpec> {
  const spec: TokenizerSpec = { ...OPENAI_CLIP_TOKENIZER };
  let padding: 'zeros' | 'eot' | undefined;
  let contextLength: number | undefined;
  if (found.tokenizerJsonPath) {
    const tj = await readJson(found.tokenizerJsonPath);
    spec.tokenizerJson = found.tokenizerJsonPath;
    padding = padFromToken(tj?.padding?.pad_token, tj?.padding?.pad_id);
    const fixed = tj?.padding?.strategy?.Fixed;
    contextLength = typeof fixed === 'number' ? fixed : tj?.truncation?.max_length;
    const lower = hasLowercase(tj?.normalizer);
    if (lower !== undefined) spec.lowercase = lower;
  }
  if (found.tokenizerConfigPath) {
    const tc = await readJson(found.tokenizerConfigPath);
    padding ??= padFromToken(tc?.pad_token, undefined);
    const max = tc?.model_max_length;
    if (contextLength === undefined && typeof max === 'number' && max < 100_000) contextLength = max;
    if (typeof tc?.do_lower_case === 'boolean') spec.lowercase = tc.do_lower_case;
  }
  if (contextLength === undefined && found.configPath) {
    const cfg = await readJson(found.configPath);
    const max = cfg?.text_config?.max_position_embeddings;
    if (typeof max === 'number') contextLength = max;
  }
  padding ??= facts.takesAttentionMask || found.layout === 'transformers.js' ? 'eot' : 'zeros';
  spec.padding = padding;
  if (typeof contextLength === 'number' && Number.isInteger(contextLength) && contextLength > 2) {
    spec.contextLength = contextLength;
  }
  if (facts.staticContextLength !== undefined) spec.contextLength = facts.staticContextLength;

  const over = found.manifest?.tokenizer ?? {};
  Object.assign(spec, over);
  if (over.tokenizerJson) spec.tokenizerJson = join(found.dir, over.tokenizerJson);
  if (facts.staticContextLength !== undefined && spec.contextLength !== facts.staticContextLength) {
    throw new UserError(
      `${found.manifestPath}: "tokenizer.contextLength" is ${spec.contextLength} but the text graph ` +
        `${found.textFile} takes ids of length ${facts.staticContextLength}; remove or fix it`,
    );
  }
  return spec;
}

/** Default display name: model.json "name", else the directory name. */
export function modelName(found: DetectedLayout): string {
  return found.manifest?.name ?? basename(found.dir);
}
