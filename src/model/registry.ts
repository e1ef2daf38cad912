/**
 * Known pretrained CLIP exports, as data (the open_clip `pretrained.py` idea): each entry says
 * where its files live (hub repo + pinned revision), what each file must hash to, and how the
 * model wants its pixels and text. Code never branches on a model's name; it reads these fields.
 *
 * Provenance of the pins (looked up in public copies, not fetched from the hub here):
 * - Xenova/clip-vit-base-patch32 @ d15189d7028b43f1d3e65039190477f6af591c2a ("lastModified
 *   2025-07-08"). LFS sha256/sizes of the .onnx files: the hub tree inventory recorded in
 *   github.com/justintanner/videobook-engine `src/model-checksums.json` (LFS oids at this exact
 *   revision), agreeing with github.com/Celestopia/photo_manager `src/main/agent/model-manifest.json`
 *   (quantized files) and several projects pinning `onnx/vision_model.onnx` / `onnx/text_model.onnx`
 *   at this revision. SHA-256 of the small JSON files (git blobs, not LFS, so the hub tree only
 *   gives their git-sha1): Celestopia/photo_manager's manifest, which hashed the bytes served at
 *   this revision; sizes agree with videobook-engine's inventory.
 * - Xenova/clip-vit-base-patch16: no pinned revision or checksum could be found offline, so its
 *   revision and hashes are `null`. ensureModel() refuses such files unless the user passes
 *   --allow-unverified (then it fetches from `main` and records what it got).
 */
import { CLIP_224, type PreprocessConfig } from './preprocess/config.ts';
import type { TokenizerSpec } from './tokenizer/spec.ts';

/** The model used when a command gets no --model: the small demo export shipped in the repo. */
export const DEFAULT_MODEL = 'models/demo-clip';

/** Default hub; `CLIP_BENCH_HUB_URL` replaces it (mirrors, loopback servers in tests). */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

export type RegistryFileRole =
  | 'vision'
  | 'text'
  | 'config'
  | 'preprocessor'
  | 'tokenizer'
  | 'tokenizer-config'
  | 'special-tokens';

export interface RegistryFile {
  /** Path inside the hub repo; also the path inside the local model directory. */
  path: string;
  role: RegistryFileRole;
  /** Expected SHA-256 (hex); null when no pin could be found (download needs --allow-unverified). */
  sha256: string | null;
  /** Expected size in bytes; null when unknown. */
  size: number | null;
}

export interface RegistryEntry {
  /** Registry name, used as `--model <name>`. */
  name: string;
  description: string;
  /** Licence of the weights, and of the export where it differs. */
  licence: string;
  hub: {
    /** Hugging Face repo id, e.g. "Xenova/clip-vit-base-patch32". */
    repo: string;
    /** Pinned commit sha; null = not pinned (only fetched with --allow-unverified, from `main`). */
    revision: string | null;
  };
  /** The export's file layout; load.ts detects it from the files themselves. */
  layout: 'transformers.js';
  /** Which ONNX files of the layout to load (transformers.js `_quantized`/`_fp16` suffixes). */
  variant: 'fp32' | 'quantized' | 'fp16';
  files: RegistryFile[];
  /** Mirrors the export's preprocessor_config.json at the pinned revision. */
  preprocess: PreprocessConfig;
  /** Mirrors the export's tokenizer files; `tokenizerJson` is filled in once tokenizer.json is local. */
  tokenizer: TokenizerSpec;
  /**
   * The text tower's inputs as exported (documentation; load.ts reads the real signature).
   * null where the export could not be inspected.
   */
  textInputs: { names: string[]; idsDtype: 'int64' | 'int32' } | null;
  /** Joint embedding width (config.json `projection_dim`). */
  embeddingDim: number;
  /** exp(logit_scale) of the checkpoint: 100 for OpenAI CLIP. */
  logitScale: number;
}

/** Hugging Face / transformers.js CLIP tokenizer: pads with <|endoftext|> (49407), 77 tokens. */
const HF_CLIP_TOKENIZER: TokenizerSpec = {
  kind: 'clip-bpe',
  contextLength: 77,
  padding: 'eot',
  lowercase: true,
};

const MIT_OPENAI = 'MIT (OpenAI CLIP weights, github.com/openai/CLIP); ONNX export by Xenova for transformers.js. The hub repo itself carries no licence tag.';

const B32_REVISION = 'd15189d7028b43f1d3e65039190477f6af591c2a';

/** The small JSON files of Xenova/clip-vit-base-patch32 @ d15189d7 (sha256 of the served bytes). */
const B32_CONFIG_FILES: RegistryFile[] = [
  { path: 'config.json', role: 'config', size: 4524, sha256: '493ef57ff783e42d1530c91b53469b7fdf8db8a9c1408e86998fcb7899a4f495' },
  { path: 'preprocessor_config.json', role: 'preprocessor', size: 520, sha256: '6f638fb9401a6d6296feff533ee7efe657b787c49f954f82f5906b36ef2a1b1f' },
  { path: 'tokenizer.json', role: 'tokenizer', size: 2_224_119, sha256: 'f7f3b7af117d467b58374797691a6438d3e6b9e9cef800dfd5dced7f697a90cd' },
  { path: 'tokenizer_config.json', role: 'tokenizer-config', size: 775, sha256: '60ba2912bc6344c94bc16bbdec27fa1209409167b6f2fdf3cfe9e65462ea3967' },
  { path: 'special_tokens_map.json', role: 'special-tokens', size: 472, sha256: 'c4864a9376a8401918425bed71fc14fc0e81f9b59ec45c1cf96cccb2df508eac' },
];

/**
 * Text tower inputs of the Xenova CLIP text_model exports: `input_ids` (int64) only, no
 * `attention_mask` (Optimum's CLIP text-with-projection config; a project using this exact file
 * reports the same). CLIP's causal mask makes padding after the end token inert, so 'eot' padding
 * without a mask is faithful.
 */
const XENOVA_TEXT_INPUTS = { names: ['input_ids'], idsDtype: 'int64' as const };

export const MODEL_REGISTRY: readonly RegistryEntry[] = [
  {
    name: 'clip-vit-b32',
    description: 'OpenAI CLIP ViT-B/32 (224 px), fp32 transformers.js ONNX export (~608 MB)',
    licence: MIT_OPENAI,
    hub: { repo: 'Xenova/clip-vit-base-patch32', revision: B32_REVISION },
    layout: 'transformers.js',
    variant: 'fp32',
    files: [
      { path: 'onnx/vision_model.onnx', role: 'vision', size: 351_685_709, sha256: 'fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40' },
      { path: 'onnx/text_model.onnx', role: 'text', size: 254_058_553, sha256: '3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc' },
      ...B32_CONFIG_FILES,
    ],
    preprocess: CLIP_224,
    tokenizer: HF_CLIP_TOKENIZER,
    textInputs: XENOVA_TEXT_INPUTS,
    embeddingDim: 512,
    logitScale: 100,
  },
  {
    name: 'clip-vit-b32-int8',
    description: 'OpenAI CLIP ViT-B/32 (224 px), dynamic int8 (MatMulInteger) transformers.js export (~156 MB)',
    licence: MIT_OPENAI,
    hub: { repo: 'Xenova/clip-vit-base-patch32', revision: B32_REVISION },
    layout: 'transformers.js',
    variant: 'quantized',
    files: [
      { path: 'onnx/vision_model_quantized.onnx', role: 'vision', size: 89_117_001, sha256: '583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299' },
      { path: 'onnx/text_model_quantized.onnx', role: 'text', size: 64_504_507, sha256: '73baab855d406190da9faa498cfedf65f15cf309f4cc7385b7b032e6d08e5c3a' },
      ...B32_CONFIG_FILES,
    ],
    preprocess: CLIP_224,
    tokenizer: HF_CLIP_TOKENIZER,
    textInputs: XENOVA_TEXT_INPUTS,
    embeddingDim: 512,
    logitScale: 100,
  },
  {
    name: 'clip-vit-b16',
    description: 'OpenAI CLIP ViT-B/16 (224 px), fp32 transformers.js ONNX export (unpinned: needs --allow-unverified)',
    licence: MIT_OPENAI,
    // No revision or checksums could be found without network access: see the header comment.
    hub: { repo: 'Xenova/clip-vit-base-patch16', revision: null },
    layout: 'transformers.js',
    variant: 'fp32',
    files: [
      { path: 'onnx/vision_model.onnx', role: 'vision', size: null, sha256: null },
      { path: 'onnx/text_model.onnx', role: 'text', size: null, sha256: null },
      { path: 'config.json', role: 'config', size: null, sha256: null },
      { path: 'preprocessor_config.json', role: 'preprocessor', size: null, sha256: null },
      { path: 'tokenizer.json', role: 'tokenizer', size: null, sha256: null },
      { path: 'tokenizer_config.json', role: 'tokenizer-config', size: null, sha256: null },
      { path: 'special_tokens_map.json', role: 'special-tokens', size: null, sha256: null },
    ],
    // B/16 shares B/32's preprocessing and tokenizer (same CLIP family, 224 px).
    preprocess: CLIP_224,
    tokenizer: HF_CLIP_TOKENIZER,
    textInputs: null,
    embeddingDim: 512,
    logitScale: 100,
  },
];

export function registryNames(registry: readonly RegistryEntry[] = MODEL_REGISTRY): string[] {
  return registry.map((e) => e.name);
}

export function getRegistryEntry(
  name: string,
  registry: readonly RegistryEntry[] = MODEL_REGISTRY,
): RegistryEntry | undefined {
  return registry.find((e) => e.name === name);
}

/** The weights (ONNX towers) vs the small files needed for tokenize/preprocess. */
export function isWeightFile(file: RegistryFile): boolean {
  return file.role === 'vision' || file.role === 'text';
}

/** Hub base URL: env CLIP_BENCH_HUB_URL (trailing slashes dropped) or huggingface.co. */
export function hubBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.CLIP_BENCH_HUB_URL?.trim() || DEFAULT_HUB_URL;
  return base.replace(/\/+$/, '');
}

/** The revision fetched: the pin, or `main` for unpinned entries. */
export function revisionOf(entry: RegistryEntry): string {
  return entry.hub.revision ?? 'main';
}

/** `<hub>/<repo>/resolve/<revision>/<path>` (the hub's download URL form). */
export function fileUrl(entry: RegistryEntry, file: RegistryFile, env: NodeJS.ProcessEnv = process.env): string {
  return `${hubBaseUrl(env)}/${entry.hub.repo}/resolve/${revisionOf(entry)}/${file.path}`;
}

/** Sum of known sizes, and whether every size is known. */
export function totalSize(files: readonly RegistryFile[]): { bytes: number; complete: boolean } {
  let bytes = 0;
  let complete = true;
  for (const f of files) {
    if (f.size === null) complete = false;
    else bytes += f.size;
  }
  return { bytes, complete };
}
