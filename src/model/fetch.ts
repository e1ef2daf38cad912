/**
 * Registry models on first use: download the pinned files into
 * `<models root>/<name>/<revision>/`, keeping the hub's transformers.js layout (so load.ts
 * detects it like any local export), each file SHA-256-verified before it is moved into place.
 *
 * A model.json carrying only the registry name, embedding size and logit scale sits next to them.
 *
 * Re-runs are cheap: a stamp file remembers size + mtime + hash of every verified file, so a
 * 350 MB tower is hashed once, not on every run. Anything missing, changed or corrupt is fetched
 * again; everything else is left alone (an interrupted download resumes file by file).
 */
import { stat, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { downloadFile } from '../util/download.ts';
import type { RetryPolicy } from '../util/retry.ts';
import { UserError } from '../util/errors.ts';
import { sha256File } from '../util/hash.ts';
import { PROJECT_ROOT } from '../util/paths.ts';
import { formatCount, type ProgressOptions } from '../util/progress.ts';
import { MANIFEST_FILE } from './manifest.ts';
import {
  MODEL_REGISTRY,
  fileUrl,
  getRegistryEntry,
  isWeightFile,
  registryNames,
  revisionOf,
  type RegistryEntry,
  type RegistryFile,
} from './registry.ts';

/** Written next to the files: what was verified, keyed by size + mtime. */
export const VERIFIED_STAMP = '.clip-bench-verified.json';
/** Written next to the files: where they came from (registry name, repo, revision, pins). */
export const SOURCE_FILE = '.clip-bench-source.json';

export interface EnsureModelOptions {
  /** Models cache root; default env CLIP_BENCH_MODELS, else `<project>/.cache/models`. */
  modelsDir?: string;
  /** Accept files the registry has no checksum for (fetched from `main` when unpinned). */
  allowUnverified?: boolean;
  /**
   * When the hub is unreachable (or env CLIP_BENCH_OFFLINE / HF_HUB_OFFLINE is set), return the
   * directory as it is instead of failing.
   */
  offlineOk?: boolean;
  /** Only the small JSON files (config, preprocessor, tokenizer): enough to tokenize/preprocess. */
  configOnly?: boolean;
  /** Hash every present file again even when its stamp matches. */
  recheck?: boolean;
  /** Use this entry instead of looking `name` up (custom registries, tests). */
  entry?: RegistryEntry;
  registry?: readonly RegistryEntry[];
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
  /** Retries and stall timeout of each file's download (default: src/util/retry.ts). */
  retry?: Partial<RetryPolicy>;
  /** Status lines (re-fetching a corrupt file, unverified files); default stderr. */
  log?: (line: string) => void;
}

interface StampEntry {
  size: number;
  /** Whole milliseconds: sub-ms precision does not survive every filesystem or utimes(). */
  mtimeMs: number;
  sha256: string;
  /** false when the registry had no pin and the hash is only what we received. */
  verified: boolean;
}

interface Stamp {
  version: 1;
  files: Record<string, StampEntry>;
}

/** Models cache root: flag > env CLIP_BENCH_MODELS > `<project root>/.cache/models` (git-ignored). */
export function modelsRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.CLIP_BENCH_MODELS) return resolve(env.CLIP_BENCH_MODELS);
  return resolve(PROJECT_ROOT, '.cache', 'models');
}

/** `<models root>/<name>/<revision>`: one directory per pinned snapshot. */
export function modelDir(entry: RegistryEntry, opts: { modelsDir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return join(modelsRoot(opts.modelsDir, opts.env), entry.name, revisionOf(entry));
}

export function lookupEntry(name: string, registry: readonly RegistryEntry[] = MODEL_REGISTRY): RegistryEntry {
  const entry = getRegistryEntry(name, registry);
  if (!entry) {
    throw new UserError(
      `unknown registry model "${name}"; known models: ${registryNames(registry).join(', ')} ` +
        `(or pass --model <dir> for a local export)`,
    );
  }
  return entry;
}

export interface LocalFileState {
  file: RegistryFile;
  path: string;
  /** Present with the expected size (not hashed: see ensureModel for verification). */
  present: boolean;
}

/** Which registry files are on disk, by existence and size only (cheap; for `models list`). */
export async function localFiles(
  entry: RegistryEntry,
  opts: { modelsDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ dir: string; files: LocalFileState[] }> {
  const dir = modelDir(entry, opts);
  const files = await Promise.all(
    entry.files.map(async (file) => {
      const path = join(dir, file.path);
      const st = await stat(path).catch(() => undefined);
      const present = !!st?.isFile() && (file.size === null || st.size === file.size);
      return { file, path, present };
    }),
  );
  return { dir, files };
}

/**
 * Make the registry model `name` available locally and return its directory. Downloads what is
 * missing or invalid (progress on stderr, SHA-256 verified), skips what is present and verified.
 */
export async function ensureModel(name: string, opts: EnsureModelOptions = {}): Promise<string> {
  const entry = opts.entry ?? lookupEntry(name, opts.registry);
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dir = modelDir(entry, { modelsDir: opts.modelsDir, env });
  const wanted = opts.configOnly ? entry.files.filter((f) => !isWeightFile(f)) : entry.files;

  const unpinned = wanted.filter((f) => f.sha256 === null);
  if (unpinned.length > 0 && !opts.allowUnverified) {
    throw new UserError(
      `model ${entry.name} has no pinned SHA-256 for ${unpinned.map((f) => f.path).join(', ')}` +
        `${entry.hub.revision === null ? ' (and no pinned revision)' : ''}: refusing to use unverified files. ` +
        `Pass --allow-unverified to download them from ${entry.hub.repo}@${revisionOf(entry)} anyway, ` +
        `or pass --model <dir> for a local export.`,
    );
  }

  const stampPath = join(dir, VERIFIED_STAMP);
  const stamp = await readStamp(stampPath);
  const missing: RegistryFile[] = [];
  for (const file of wanted) {
    if (!(await checkLocal(dir, file, stamp, opts.recheck === true, log))) missing.push(file);
  }
  if (missing.length === 0) {
    await writeStamp(stampPath, stamp);
    await writeSideFiles(dir, entry, env);
    return dir;
  }

  const offlineVar = ['CLIP_BENCH_OFFLINE', 'HF_HUB_OFFLINE'].find((k) => isTruthy(env[k]));
  if (offlineVar) {
    // Declared offline: do not even try (an unreachable network can take seconds per attempt).
    if (opts.offlineOk) return dir;
    throw offlineError(entry, dir, missing, `offline mode: ${offlineVar} is set`, env);
  }
  const baseFetch = opts.fetchImpl ?? globalThis.fetch;
  for (let i = 0; i < missing.length; i++) {
    const file = missing[i];
    const dest = join(dir, file.path);
    const url = fileUrl(entry, file, env);
    // Tell "could not connect" (offline) apart from HTTP errors and checksum mismatches.
    let networkError: unknown;
    const trackedFetch: typeof fetch = async (input, init) => {
      try {
        return await baseFetch(input, init);
      } catch (e) {
        networkError = e;
        throw e;
      }
    };
    try {
      await downloadFile(url, dest, {
        sha256: file.sha256 ?? undefined,
        size: file.size ?? undefined,
        label: `${entry.name} ${file.path}`,
        fetchImpl: trackedFetch,
        progress: opts.progress,
        retry: opts.retry,
        offlineHint: `Or pass --model <dir> for a local export.`,
      });
    } catch (e) {
      if (networkError === undefined) throw e;
      if (opts.offlineOk) return dir;
      throw offlineError(entry, dir, missing.slice(i), networkError, env);
    }
    const st = await stat(dest);
    const sha256 = file.sha256 ?? (await sha256File(dest));
    if (file.sha256 === null) log(`warning: ${entry.name} ${file.path} is unverified (no pinned checksum); got sha256 ${sha256}`);
    stamp.files[file.path] = { size: st.size, mtimeMs: Math.trunc(st.mtimeMs), sha256, verified: file.sha256 !== null };
    // Stamp after every file, so an interrupted run keeps what it already verified.
    await writeStamp(stampPath, stamp);
  }
  await writeSideFiles(dir, entry, env);
  return dir;
}

/**
 * Is `file` present and valid? Trusts the stamp when size and mtime still match; otherwise hashes.
 * A present but wrong file is removed (so a later failure never leaves a corrupt file behind).
 */
async function checkLocal(
  dir: string,
  file: RegistryFile,
  stamp: Stamp,
  recheck: boolean,
  log: (line: string) => void,
): Promise<boolean> {
  const path = join(dir, file.path);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) {
    delete stamp.files[file.path];
    return false;
  }
  const known = stamp.files[file.path];
  const stampMatches =
    known !== undefined &&
    known.size === st.size &&
    known.mtimeMs === Math.trunc(st.mtimeMs) &&
    (file.sha256 === null || (known.verified && known.sha256 === file.sha256));
  if (stampMatches && !recheck) return true;

  if (file.size !== null && st.size !== file.size) {
    log(`${file.path}: ${st.size} bytes, expected ${file.size}; fetching it again`);
  } else {
    const actual = await sha256File(path);
    if (file.sha256 === null || actual === file.sha256) {
      stamp.files[file.path] = { size: st.size, mtimeMs: Math.trunc(st.mtimeMs), sha256: actual, verified: file.sha256 !== null };
      return true;
    }
    log(`${file.path}: sha256 ${actual} does not match the pinned ${file.sha256}; fetching it again`);
  }
  delete stamp.files[file.path];
  await rm(path, { force: true });
  return false;
}

function offlineError(
  entry: RegistryEntry,
  dir: string,
  files: readonly RegistryFile[],
  cause: unknown,
  env: NodeJS.ProcessEnv,
): UserError {
  const lines = files.map((f) => {
    const facts = [f.size !== null ? formatCount(f.size, 'B') : null, f.sha256 ? `sha256 ${f.sha256}` : 'unverified']
      .filter(Boolean)
      .join(', ');
    return `  ${fileUrl(entry, f, env)}\n    -> ${join(dir, f.path)} (${facts})`;
  });
  return new UserError(
    `model ${entry.name} is not downloaded and the hub is unreachable (${networkReason(cause)}): ` +
      `download these files\n${lines.join('\n')}\ninto ${dir}, or pass --model <dir> for a local export.`,
  );
}

function isTruthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function networkReason(e: unknown): string {
  if (typeof e === 'string') return e;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * model.json (name, logit scale, embedding size: what the hub files do not state; no file names,
 * so load.ts still detects the transformers.js layout) and the provenance record.
 */
async function writeSideFiles(dir: string, entry: RegistryEntry, env: NodeJS.ProcessEnv): Promise<void> {
  const manifest = {
    name: entry.name,
    embeddingDim: entry.embeddingDim,
    logitScale: entry.logitScale,
    notes: `registry model ${entry.name}: ${entry.hub.repo}@${revisionOf(entry)} (${entry.description}). Licence: ${entry.licence}`,
  };
  await writeIfChanged(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeIfChanged(join(dir, SOURCE_FILE), `${JSON.stringify(sourceRecord(entry, env), null, 2)}\n`);
}

function sourceRecord(entry: RegistryEntry, env: NodeJS.ProcessEnv) {
  return {
    registryName: entry.name,
    repo: entry.hub.repo,
    revision: revisionOf(entry),
    pinned: entry.hub.revision !== null,
    variant: entry.variant,
    files: entry.files.map((f) => ({ path: f.path, role: f.role, url: fileUrl(entry, f, env), sha256: f.sha256, size: f.size })),
  };
}

async function readStamp(path: string): Promise<Stamp> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Stamp>;
    if (parsed.version === 1 && parsed.files && typeof parsed.files === 'object') return { version: 1, files: parsed.files };
  } catch {
    // Missing or unreadable stamp: every present file is simply hashed again.
  }
  return { version: 1, files: {} };
}

async function writeStamp(path: string, stamp: Stamp): Promise<void> {
  await writeIfChanged(path, `${JSON.stringify(stamp, null, 2)}\n`);
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  const old = await readFile(path, 'utf8').catch(() => undefined);
  if (old !== text) await writeFileAtomic(path, text);
}
