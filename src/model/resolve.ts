/**
 * The one place that turns a `--model` value into something loadable: a registry name
 * (downloaded on first use by fetch.ts) or a local export directory. Every command goes
 * through here, so "which model did you mean" has one answer and one error message.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { ensureModel, modelDir, type EnsureModelOptions } from './fetch.ts';
import type { ClipModel } from './clip-model.ts';
import type { Device } from './device.ts';
import type { Int8EncodeChoice } from './image-encode-modes.ts';
import type { PreprocessConfig } from './preprocess/config.ts';
import {
  DEFAULT_MODEL,
  MODEL_REGISTRY,
  getRegistryEntry,
  isWeightFile,
  registryNames,
  type RegistryEntry,
} from './registry.ts';
import type { TokenizerSpec } from './tokenizer/spec.ts';

export type ModelRef = { kind: 'registry'; entry: RegistryEntry } | { kind: 'dir'; dir: string };

export interface ResolveOptions {
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
  registry?: readonly RegistryEntry[];
}

/**
 * A registry name, or a directory. A bare name (no slash, not starting with '.') that is in the
 * registry wins over a same-named directory in the working directory; write `./name` for the latter.
 * The default model path also resolves against the project root, so it works from any directory.
 */
export function resolveModelRef(ref: string, opts: ResolveOptions = {}): ModelRef {
  const registry = opts.registry ?? MODEL_REGISTRY;
  const looksLikePath = /[\\/]/.test(ref) || ref.startsWith('.') || ref.startsWith('~');
  if (!looksLikePath) {
    const entry = getRegistryEntry(ref, registry);
    if (entry) return { kind: 'registry', entry };
  }
  const candidates = [resolve(opts.cwd ?? process.cwd(), ref)];
  if (ref === DEFAULT_MODEL) candidates.push(resolve(PROJECT_ROOT, ref));
  for (const dir of candidates) {
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory()) return { kind: 'dir', dir };
    if (st) {
      throw new UserError(`--model ${ref}: ${dir} is a file; pass the export's directory or a registry name`);
    }
  }
  const hint =
    ref === DEFAULT_MODEL
      ? ` The default demo model is missing: build it (see README) or pass --model.`
      : '';
  throw new UserError(
    `--model ${ref}: no such directory (${candidates[0]}) and not a registry model. ` +
      `Registry models: ${registryNames(registry).join(', ')}.${hint}`,
  );
}

export interface OpenModelOptions extends Omit<EnsureModelOptions, 'configOnly' | 'entry'> {
  threads?: number;
  /** onnxruntime execution provider (default cpu). */
  device?: Device;
  /** int8 (DynamicQuantizeLinear) image towers: per-row rewrite when it applies (auto, default) or one image per run. */
  int8Encode?: Int8EncodeChoice;
  /** Override the registry entry's variant (or choose one for a local directory). */
  variant?: 'fp32' | 'quantized' | 'fp16';
  cwd?: string;
}

/** Resolve `ref`, download a registry model if needed, and load it (ONNX sessions included). */
export async function openModel(ref: string, opts: OpenModelOptions = {}): Promise<ClipModel> {
  const resolved = resolveModelRef(ref, { cwd: opts.cwd, registry: opts.registry });
  const dir = resolved.kind === 'dir' ? resolved.dir : await ensureModel(resolved.entry.name, { ...opts, entry: resolved.entry });
  const variant = opts.variant ?? (resolved.kind === 'registry' ? resolved.entry.variant : undefined);
  // Loaded here, not at the top: resolving and downloading must not pay for onnxruntime.
  const { loadModel } = await import('./load.ts');
  return loadModel(dir, { threads: opts.threads, variant, device: opts.device, int8Encode: opts.int8Encode });
}

export interface ModelConfig {
  preprocess: PreprocessConfig;
  tokenizer: TokenizerSpec | undefined;
  /** 'registry': the entry's own data; 'export': read from the export's files. */
  source: 'registry' | 'export';
  /** The local directory the config came from, when there is one. */
  dir?: string;
}

export interface ModelConfigOptions extends Omit<EnsureModelOptions, 'configOnly' | 'entry' | 'offlineOk'> {
  cwd?: string;
}

/**
 * Preprocessing and tokenizer of a model, without downloading its weights. Registry models fetch
 * only their small JSON files (tokenizer.json then drives the tokenizer); offline, or where the
 * files are unpinned and --allow-unverified was not given, the registry's own data is used.
 */
export async function modelConfig(ref: string, opts: ModelConfigOptions = {}): Promise<ModelConfig> {
  const resolved = resolveModelRef(ref, { cwd: opts.cwd, registry: opts.registry });
  if (resolved.kind === 'dir') {
    // load.ts is the single interpreter of export directories; the towers are released at once.
    const { loadModel } = await import('./load.ts');
    const model = await loadModel(resolved.dir, { threads: 1 });
    try {
      return { preprocess: model.preprocess, tokenizer: model.tokenizer, source: 'export', dir: resolved.dir };
    } finally {
      await model.release();
    }
  }
  const { entry } = resolved;
  const pinned = entry.files.filter((f) => !isWeightFile(f)).every((f) => f.sha256 !== null);
  let dir: string | undefined;
  if (pinned || opts.allowUnverified) {
    dir = await ensureModel(entry.name, { ...opts, entry, configOnly: true, offlineOk: true });
  }
  const tokenizerFile = entry.files.find((f) => f.role === 'tokenizer');
  const tokenizerJson = dir && tokenizerFile ? join(dir, tokenizerFile.path) : undefined;
  const haveJson = tokenizerJson !== undefined && (statSync(tokenizerJson, { throwIfNoEntry: false })?.isFile() ?? false);
  return {
    // The pinned preprocessor_config.json is fixed by the revision; the entry mirrors it.
    preprocess: entry.preprocess,
    tokenizer: haveJson ? { ...entry.tokenizer, tokenizerJson } : entry.tokenizer,
    source: haveJson ? 'export' : 'registry',
    dir: dir ?? modelDir(entry, { modelsDir: opts.modelsDir, env: opts.env }),
  };
}
