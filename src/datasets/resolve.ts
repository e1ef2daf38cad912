/**
 * The one dispatch point from a dataset argument to a Dataset: a registry name opens the built-in
 * (fetching and converting it on first use); anything else is a path to the user's own data.
 */
import { UserError } from '../util/errors.ts';
import { resolveDataDir } from '../util/paths.ts';
import type { ProgressOptions } from '../util/progress.ts';
import { openBuiltin } from './builtin.ts';
import { BUILTIN_NAMES, builtinEntry } from './registry.ts';
import { readClassNames, readTemplates } from './list-files.ts';
import type { Dataset } from './types.ts';

// Kept importable from here: the dispatch point is where callers look for dataset inputs.
export { readTemplates } from './list-files.ts';

export interface OpenDatasetOptions {
  /** Cache directory (the `--data-dir` flag); default from CLIP_BENCH_DATA or <project>/datasets. */
  dataDir?: string;
  /** Built-ins only: source id (e.g. "official") or `dir:<folder>`. */
  source?: string;
  /** User data only: skip undecodable images instead of failing. */
  skipBad?: boolean;
  /** Replace the templates: a JSON array of strings or one template per line, each with `{}`. */
  templatesFile?: string;
  /** Replace the class names: a JSON array or one per line (built-ins: same count and order). */
  classesFile?: string;
  /** false: never download or convert a built-in. Default true. */
  fetch?: boolean;
  fetchImpl?: typeof fetch;
  progress?: ProgressOptions;
  /** User data in parquet: the image and label columns, when they cannot be inferred. */
  imageColumn?: string;
  labelColumn?: string;
  /** User data in CoOp's layout: the split file (split_zhou_<Name>.json). */
  splitFile?: string;
  /** Environment for hub downloads (HF_ENDPOINT, HF_TOKEN); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function openDataset(nameOrPath: string, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  if (nameOrPath.startsWith('hf:')) return openHubDataset(nameOrPath.slice(3), opts);
  const entry = builtinEntry(nameOrPath);
  if (!entry) {
    if (!looksLikePath(nameOrPath)) {
      throw new UserError(`unknown dataset "${nameOrPath}": use one of ${BUILTIN_NAMES.join(', ')}, or a path to a folder or CSV manifest`);
    }
    if (opts.source) throw new UserError(`--source applies to built-in datasets only, not to ${nameOrPath}`);
    // Loaded on demand: built-ins never pay for the user-data readers.
    const { openUserDataset } = await import('./user/index.ts');
    return openUserDataset(nameOrPath, { skipBad: opts.skipBad, templatesFile: opts.templatesFile, classesFile: opts.classesFile, imageColumn: opts.imageColumn, labelColumn: opts.labelColumn, splitFile: opts.splitFile });
  }
  const ds = await openBuiltin(entry, {
    dataDir: resolveDataDir(opts.dataDir),
    source: opts.source,
    fetch: opts.fetch,
    fetchImpl: opts.fetchImpl,
    progress: opts.progress,
  });
  if (!opts.templatesFile && !opts.classesFile) return ds;
  const templates = opts.templatesFile ? await readTemplates(opts.templatesFile) : ds.templates;
  const classes = opts.classesFile ? await readClassNames(opts.classesFile, ds.classes.length) : ds.classes;
  // Overrides change prompts only, never images or labels, so identity stays the store's.
  return Object.create(ds, { templates: { value: templates }, classes: { value: classes } }) as Dataset;
}

/**
 * `hf:<owner>/<repo>[@revision]`: download (or reuse) the pinned files, open them with their format,
 * and record the repository, the commit and every file's size and SHA-256 as the provenance.
 */
async function openHubDataset(ref: string, opts: OpenDatasetOptions): Promise<Dataset> {
  if (opts.source) throw new UserError(`--source applies to built-in datasets only, not to hf:${ref}`);
  const { fetchHubDataset, hubProvenance } = await import('./hub.ts');
  const snap = await fetchHubDataset(ref, { dataDir: resolveDataDir(opts.dataDir), env: opts.env, fetchImpl: opts.fetchImpl, progress: opts.progress });
  const { openUserDataset } = await import('./user/index.ts');
  const ds = await openUserDataset(`${snap.layout}:${snap.dir}`, { skipBad: opts.skipBad, templatesFile: opts.templatesFile, classesFile: opts.classesFile, imageColumn: opts.imageColumn, labelColumn: opts.labelColumn,
    // The download checked each file against the hub's SHA-256 (or hashed it once): the readers need not hash them again.
    knownSha256: new Map(snap.files.map((f) => [f.path, f])),
  });
  const provenance = hubProvenance(ds.provenance, snap);
  return Object.create(ds, { provenance: { value: provenance }, name: { value: `hf:${snap.repo}` } }) as Dataset;
}

/** A bare word that is not a built-in is a typo far more often than a folder in the working dir; `<format>:<path>` names a format (formats/). */
function looksLikePath(s: string): boolean {
  return /[/\\.]/.test(s) || s.endsWith('.csv') || /^[a-z][a-z0-9-]+:./i.test(s);
}
