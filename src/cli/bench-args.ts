/** `npm run bench` flags: one table that drives both the parser and the help. */
import { UserError } from '../util/errors.ts';
import { isNaturalShiftItem } from '../datasets/natural-shifts.ts';
import { choiceFlag, intFlag, parseFlags, type Flags, type FlagValues } from './toolkit.ts';
import { DEVICE_FLAG, deviceFlag, INT8_ENCODE_FLAG, int8EncodeFlag, MODEL_FLAGS, VARIANT_FLAG, variantFlag, type ModelVariant } from './model-flags.ts';
import type { Int8EncodeChoice } from '../model/image-encode-modes.ts';
import { DEFAULT_METHODS, METHODS, parseMethods } from '../evaluation/methods/registry.ts';
import type { Device } from '../model/device.ts';

export const BENCH_PROG = 'npm run bench --';

export interface BenchArgs {
  datasets: string[];
  model: string | undefined;
  modelsDir: string | undefined;
  allowUnverified: boolean;
  shots: (number | 'all')[];
  seeds: number[];
  limit: number | null;
  out: string | null;
  force: boolean;
  templatesFile: string | null;
  /** Parquet datasets: the image and label columns, when they cannot be inferred. */
  imageColumn: string | null;
  labelColumn: string | null;
  /** CoOp datasets (coop:<dir>): the split file. */
  splitFile: string | null;
  /** Class names in label order (one per line or a JSON array): for data whose files name none, or to rename. */
  classesFile: string | null;
  solver: 'lbfgs' | 'ml-logistic-regression';
  /** lbfgs only: how each fit is solved (docs/probe-solver.md). */
  probePrecision: 'auto' | 'mixed' | 'float64';
  /** lbfgs only: 'coop' (CoOp lpclip / CLIP A.3) or the opt-in 'grid' (7 points, no bisection). */
  search: 'coop' | 'grid';
  threads: number | null;
  device: Device;
  int8Encode: Int8EncodeChoice;
  workers: number | null;
  batchSize: number;
  cache: boolean;
  cacheDir: string | null;
  requireCached: boolean;
  exportFeatures: string | null;
  dataDir: string | null;
  source: string | null;
  skipBad: boolean;
  bootstrap: number;
  variant: ModelVariant | undefined;
  noZeroShot: boolean;
  shift: string | null;
  shiftSeed: number;
  /** --task (default classification) and the caption-file flags of --task retrieval. */
  task: 'classification' | 'retrieval';
  captions: { imageColumn?: string; captionColumn?: string; separator?: string; split?: string; imageRoot?: string };
  /** --methods names, registry order (always includes the baselines zero-shot and linear-probe). */
  methods: string[];
  saveHeads: string | null;
  loadHeads: string | null;
}

/** Flags every command that extracts features shares: --force for --out, and where caches live. */
export const STORAGE_FLAGS = {
  force: { type: 'boolean', help: 'write into an --out directory that already holds files' },
  'no-cache': { type: 'boolean', help: 'do not read or write the feature cache' },
  'cache-dir': { type: 'string', value: '<dir>', help: 'feature cache (default .cache/features)' },
  'data-dir': { type: 'string', value: '<dir>', help: 'dataset cache (default datasets/)' },
} satisfies Flags;

/** --task retrieval: which task, and how caption files are read (docs/retrieval.md). */
export const RETRIEVAL_FLAGS = {
  task: { type: 'string', value: '<name>', help: 'classification (default) or retrieval: class prompts rank a labelled set\'s images\n(mAP, P@k, R@k), or captions and images rank each other (a caption .csv/.tsv or a\nKarpathy .json as --dataset; CLIP_benchmark recall@k)' },
  'caption-column': { type: 'string', value: '<name>', help: 'caption CSV: the caption column (default title, as open_clip)' },
  separator: { type: 'string', value: '<c>', help: 'caption CSV: the field separator (default tab, as open_clip; \\t or , or ;)' },
  split: { type: 'string', value: '<name>', help: 'Karpathy JSON or retrieval webdataset: the split to evaluate (default test)' },
  'image-root': { type: 'string', value: '<dir>', help: 'caption file: the folder image paths are relative to (default its own folder)' },
} satisfies Flags;

export const BENCH_FLAGS = {
  dataset: {
    type: 'string',
    multiple: true,
    value: '<name|path>',
    help: 'built-in (cifar10, mnist, fashion-mnist, quickdraw, digits), an image folder, a CSV\nmanifest, a CLIP_benchmark webdataset or Hugging Face parquet (folder:<dir>, csv:<file>,\nwds:<dir>, parquet:<path>, coop:<dir> with --split-file name the format), or hf:<owner>/<repo>[@revision] from the hub;\nrepeat or comma-separate for several (they share one model load)',
  },
  'image-column': { type: 'string', value: '<name>', help: 'parquet: the image column, when it is not found by its type; caption CSV (--task\nretrieval): the image path column (default filepath, as open_clip)' },
  'label-column': { type: 'string', value: '<name>', help: 'parquet: the label column, when it is not a ClassLabel or "label"' },
  'split-file': { type: 'string', value: '<file>', help: "coop:<dir>: CoOp's split_zhou_<Name>.json (train/val/test lists)" },
  ...MODEL_FLAGS,
  ...VARIANT_FLAG,
  shots: { type: 'string', value: '<list>', help: 'shots per class, e.g. 1,2,4,8,16 or all (default 1,2,4,8,16)' },
  seeds: { type: 'string', value: '<n>', help: 'seeds per shot count (default 3); seeds are --seed, --seed+1, …' },
  seed: { type: 'string', value: '<n>', help: 'first seed (default 0)' },
  limit: { type: 'string', value: '<n>', help: 'evaluate on a seeded subset of n test images (quick runs)' },
  templates: { type: 'string', value: '<file>', help: 'JSON array of prompt templates, each containing {}' },
  classes: { type: 'string', value: '<file>', help: 'class names in label order (one per line or a JSON array)' },
  solver: { type: 'string', value: '<name>', help: 'lbfgs (default) or ml-logistic-regression' },
  search: {
    type: 'string',
    value: '<name>',
    help: 'C search for lbfgs: coop (default: CoOp lpclip / CLIP A.3, 7-point grid + 8 bisection\nsteps) or grid (the 7 points only: faster, labelled, not comparable to published tables)',
  },
  'probe-precision': {
    type: 'string',
    value: '<name>',
    help: 'lbfgs fits: auto (default: mixed for draws whose products run on onnxruntime, float64 for\nsmaller ones), mixed (float32 products, float64 polish, warm starts along the C path: ~4x faster\nat many classes, checked against scikit-learn) or float64 (cold starts, scikit-learn\'s iterates);\ndocs/probe-solver.md',
  },
  threads: { type: 'string', value: '<n>', help: 'ONNX intra-op threads (default: all cores)' },
  ...DEVICE_FLAG,
  ...INT8_ENCODE_FLAG,
  workers: { type: 'string', value: '<n>', help: 'preprocessing worker threads (default: 1 per 16 cores, 0 on 1 core; 0 = on the main thread)' },
  'batch-size': { type: 'string', value: '<n>', help: 'images per encoder call (default 32)' },
  bootstrap: { type: 'string', value: '<n>', help: 'bootstrap resamples for confidence intervals (default 1000)' },
  out: { type: 'string', value: '<dir>', help: 'output directory (default reports/<run-id>); must be new or empty' },
  'export-features': { type: 'string', value: '<dir>', help: 'also write the features and labels used as .npy' },
  ...STORAGE_FLAGS,
  source: { type: 'string', value: '<name>', help: 'dataset source variant (e.g. official)' },
  'skip-bad': { type: 'boolean', help: 'skip unreadable images in a user folder (they are listed)' },
  'no-zero-shot': { type: 'boolean', help: 'probes only' },
  'require-cached': {
    type: 'boolean',
    help: 'encode no image: every image feature must already be in the cache (after a sharded\nnpm run features -- extract); else exit 2 naming the missing rows',
  },
  shift: {
    type: 'string',
    value: '<spec>',
    help: 'also score on shifted test sets: name:severity[,…], a corruption name (5 severities),\ncorruptions (the 15), corruptions+extra (19), a natural shift (quickdraw for cifar10,\ndigits for mnist, mnist for digits), map:<file.json>, released:<dir> (the released\nCIFAR-10-C .npy files, cifar10 only), or for imagenet:<dir> imagenetv2:<dir>, imagenet-sketch:<dir>,\nimagenet-r:<dir>, imagenet-a:<dir>, objectnet:<dir> (docs/imagenet.md); list: npm run shifts -- list',
  },
  'shift-seed': { type: 'string', value: '<n>', help: 'seed of the seeded corruptions (default 0)' },
  ...RETRIEVAL_FLAGS,
  'save-heads': { type: 'string', value: '<dir>', help: 'write every linear head fitted (zero-shot, probes, zs-anchored, lp++, clap, each\nWiSE α) as ONNX (embeddings → logits) + .npy weights + manifest.json' },
  'load-heads': { type: 'string', value: '<dir>', help: 'score the heads --save-heads wrote (its <dir>/<dataset> folder) on --dataset (same class list)\nand on every --shift test set (corruptions, released:, natural shifts), without refitting' },
  methods: {
    type: 'string',
    value: '<list>',
    help: `few-shot methods on the probe's draws, or all (default zero-shot,linear-probe; those two\nalways run): ${METHODS.map((m) => m.name).join(', ')}`,
  },
} satisfies Flags;

export const BENCH_EXAMPLES = [
  `${BENCH_PROG} --dataset cifar10 --shots 4`,
  `${BENCH_PROG} --dataset cifar10 --dataset mnist --shots 1,2,4,8,16 --seeds 5`,
  `${BENCH_PROG} --model clip-vit-b32 --dataset cifar10 --shots 1,2,4,8,16,all`,
  `${BENCH_PROG} --model clip-vit-b16 --allow-unverified --dataset cifar10 --shots 4`,
  `${BENCH_PROG} --model ./my-export --dataset ./photos --templates prompts.json --limit 500`,
  `${BENCH_PROG} --dataset cifar10 --shots 1,4,16 --shift corruptions --limit 1000`,
  `${BENCH_PROG} --dataset cifar10 --shots 4,16 --shift quickdraw,gaussian_noise:3`,
  `${BENCH_PROG} --dataset hf:clip-benchmark/wds_cifar10 --shots 1,4,16`,
  `${BENCH_PROG} --task retrieval --dataset cifar10 --limit 2000`,
  `${BENCH_PROG} --task retrieval --dataset captions.tsv --model clip-vit-b32`,
  `${BENCH_PROG} --task retrieval --dataset karpathy:dataset_coco.json --image-root coco/ --split test`,
  `${BENCH_PROG} --dataset cifar10 --shots 1,2,4,8,16 --methods all --shift corruptions`,
];

export function parseShots(v: string): (number | 'all')[] {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UserError(`--shots needs a list like 1,2,4,8,16 or all`);
  const out: (number | 'all')[] = [];
  for (const p of parts) {
    if (p === 'all') out.push('all');
    else if (p === '0') throw new UserError(`--shots 0 is not a probe: use at least 1 example per class (zero-shot is always run)`);
    else out.push(intFlag(p, '--shots', 0, 1, 100_000));
  }
  return [...new Set(out)].sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a - b));
}

/** Validated bench arguments from parsed flags; every check here is cheap and runs before any work. */
export function benchArgsFrom(v: FlagValues<typeof BENCH_FLAGS>, positionals: string[]): BenchArgs {
  if (positionals.length) throw new UserError(`unexpected argument "${positionals[0]}" (flags start with --; see: ${BENCH_PROG} --help)`);
  const datasets = (v.dataset ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean);
  if (datasets.length === 0) throw new UserError(`--dataset is required, e.g. --dataset cifar10 (see: ${BENCH_PROG} --help)`);
  if (v['require-cached'] && v['no-cache']) throw new UserError(`--require-cached reads every image feature from the cache; drop --no-cache`);
  const solver = choiceFlag(v.solver, '--solver', ['lbfgs', 'ml-logistic-regression'] as const) ?? 'lbfgs';
  const search = choiceFlag(v.search, '--search', ['coop', 'grid'] as const);
  const probePrecision = choiceFlag(v['probe-precision'], '--probe-precision', ['auto', 'mixed', 'float64'] as const);
  if (solver !== 'lbfgs' && search !== undefined) throw new UserError(`--search chooses C for --solver lbfgs; ${solver} ignores C, so drop --search`);
  if (solver !== 'lbfgs' && probePrecision !== undefined) throw new UserError(`--probe-precision applies to --solver lbfgs only; drop it with --solver ${solver}`);
  const nSeeds = intFlag(v.seeds, '--seeds', 3, 1, 1000);
  const first = intFlag(v.seed, '--seed', 0, 0);
  return {
    datasets: [...new Set(datasets)],
    model: v.model,
    modelsDir: v['models-dir'],
    allowUnverified: v['allow-unverified'] === true,
    shots: parseShots(v.shots ?? '1,2,4,8,16'),
    seeds: Array.from({ length: nSeeds }, (_, i) => first + i),
    limit: v.limit !== undefined ? intFlag(v.limit, '--limit', 0) : null,
    out: v.out ?? null,
    force: v.force === true,
    templatesFile: v.templates ?? null,
    imageColumn: v['image-column'] ?? null,
    labelColumn: v['label-column'] ?? null,
    splitFile: v['split-file'] ?? null,
    classesFile: v.classes ?? null,
    solver,
    probePrecision: probePrecision ?? 'auto',
    search: search ?? 'coop',
    threads: v.threads !== undefined ? intFlag(v.threads, '--threads', 0, 1, 256) : null,
    device: deviceFlag(v.device),
    int8Encode: int8EncodeFlag(v['int8-encode']),
    workers: v.workers !== undefined ? intFlag(v.workers, '--workers', 0, 0, 64) : null,
    batchSize: intFlag(v['batch-size'], '--batch-size', 32, 1, 4096),
    cache: v['no-cache'] !== true,
    cacheDir: v['cache-dir'] ?? null,
    requireCached: v['require-cached'] === true,
    exportFeatures: v['export-features'] ?? null,
    dataDir: v['data-dir'] ?? null,
    source: v.source ?? null,
    skipBad: v['skip-bad'] === true,
    bootstrap: intFlag(v.bootstrap, '--bootstrap', 1000, 1, 100_000),
    variant: variantFlag(v.variant),
    noZeroShot: v['no-zero-shot'] === true,
    shift: v.shift ?? null,
    shiftSeed: intFlag(v['shift-seed'], '--shift-seed', 0, 0),
    ...retrievalArgs(v),
    saveHeads: v['save-heads'] ?? null,
    loadHeads: v['load-heads'] ?? null,
    methods: parseMethods(v.methods ?? DEFAULT_METHODS.join(',')).map((m) => m.name),
  };
}

/** `--separator`: one character; `\\t` or `tab` for a tab. Undefined when not given. */
export function separatorFlag(value: string | undefined): string | undefined {
  const sep = value === '\\t' || value === 'tab' ? '\t' : value;
  if (sep !== undefined && sep.length !== 1) throw new UserError(`--separator "${value}": give one character (\\t or tab for a tab)`);
  return sep;
}

function retrievalArgs(v: FlagValues<typeof BENCH_FLAGS>): Pick<BenchArgs, 'task' | 'captions'> {
  const task = choiceFlag(v.task, '--task', ['classification', 'retrieval'] as const) ?? 'classification';
  const captionFlags = (['caption-column', 'separator', 'split', 'image-root'] as const).filter((f) => v[f] !== undefined);
  if (task !== 'retrieval' && captionFlags.length) throw new UserError(`--${captionFlags[0]} reads caption files, which only --task retrieval uses`);
  if (task === 'retrieval') {
    const other = (v.shift ?? '').split(',').map((x) => x.trim()).find((x) => x.startsWith('released:') || isNaturalShiftItem(x));
    if (other) throw new UserError(`--shift ${other}: --task retrieval scores corruptions of its own test images only (e.g. --shift gaussian_noise:3 or corruptions), not other datasets or released files`);
    if (v.shots !== undefined) throw new UserError(`--shots trains linear probes, which --task retrieval does not; drop --shots`);
  }
  return { task, captions: { imageColumn: v['image-column'], captionColumn: v['caption-column'], separator: separatorFlag(v.separator), split: v.split, imageRoot: v['image-root'] } };
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parseFlags(argv, BENCH_FLAGS, `${BENCH_PROG} --help`);
  return benchArgsFrom(values, positionals);
}
