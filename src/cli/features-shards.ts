/**
 * `npm run features -- extract | verify`: fill the feature cache ahead of bench in shards (one
 * contiguous share of the rows per process or machine), and check that every row arrived.
 */
import { extractionDefaults } from '../features/extraction-defaults.ts';
import type { Dataset, Split } from '../datasets/types.ts';
import { openDataset } from '../datasets/resolve.ts';
import { openModel, resolveModelRef } from '../model/resolve.ts';
import type { ClipModel } from '../model/clip-model.ts';
import { DEFAULT_MODEL } from '../model/registry.ts';
import { extractImageFeatures, imageFeatureKey } from '../features/extract.ts';
import { corruptionShift, NO_SHIFT, type ImageShift } from '../features/shift.ts';
import { FeatureStore } from '../features/store.ts';
import { formatRange, formatRanges, parseShard, parseShardCount, shardBounds, shardFromEnvironment, shardFromSlurmArray, shardsHolding, SHARD_INDEX_VARIABLES, type Shard } from '../features/shards.ts';
import { checkEntry, relatedEntries, type EntryCheck, type RelatedEntry } from '../features/verify.ts';
import { prepareShifts, testIndices } from '../pipeline/bench.ts';
import { UserError } from '../util/errors.ts';
import { CACHE_DIR, cacheDirOf, FEATURES_PROG as PROG, noPositionals } from './feature-flags.ts';
import { DEVICE_FLAG, deviceFlag, MODEL_FLAGS, VARIANT_FLAG, variantFlag } from './model-flags.ts';
import { DEVICES, type Device } from '../model/device.ts';
import { BENCH_FLAGS } from './bench-args.ts';
import { checkFailed, choiceFlag, defineCommand, intFlag, JSON_FLAG, writeJson, type FlagValues, type Io } from './toolkit.ts';

/** What both commands need to name the same rows as bench: model, dataset, splits, --limit, --shift. */
const TARGET_FLAGS = {
  ...MODEL_FLAGS,
  ...VARIANT_FLAG,
  dataset: { type: 'string', value: '<name|path>', help: "one dataset, as bench's --dataset" },
  split: { type: 'string', value: '<list>', help: 'test, train or test,train' },
  limit: { type: 'string', value: '<n>', help: "bench's seeded subset of n test images (same --limit as bench; train stays whole)" },
  shift: { type: 'string', value: '<spec>', help: "test split only: bench's --shift (corruptions, natural shifts, released:<dir>)" },
  'shift-seed': BENCH_FLAGS['shift-seed'],
  ...CACHE_DIR,
  'data-dir': BENCH_FLAGS['data-dir'],
  source: BENCH_FLAGS.source,
} as const;

const ROWS_HELP = `Rows are those bench reads, numbered 0…N-1 in bench's order: for --split test, the test split's
indices 0…N-1, or with --limit n the sorted seeded subset of n indices bench evaluates on (row r is then
the r-th smallest index of that subset); for --split train, every row of the train split (bench's k-shot
draws and --shots all read from these). With --shift, also the shifted test sets bench scores: the
corrupted copies of the same test rows, a natural shift's own test set (its --limit subset), or the
released CIFAR-10-C files.`;

interface FeatureSet {
  /** The dataset the rows come from: for a natural or released --shift, that shift's test set. */
  ds: Dataset;
  split: Split;
  shift: ImageShift;
  /** Sorted split indices bench reads; row r = indices[r]. */
  indices: Int32Array;
  label: string;
}

interface Target {
  modelRef: string;
  sets: FeatureSet[];
  root: string;
}

function splitsOf(value: string | undefined, ds: Dataset): Split[] {
  if (!value) throw new UserError(`--split is required: test, train or test,train (see: ${PROG} extract --help)`);
  const out: Split[] = [];
  for (const s of value.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (s !== 'train' && s !== 'test') throw new UserError(`--split must be test, train or test,train, got ${JSON.stringify(s)}`);
    if (!ds.splits.includes(s)) throw new UserError(`--split ${s}: dataset ${ds.name} has no ${s} split (splits: ${ds.splits.join(', ')})`);
    if (!out.includes(s)) out.push(s);
  }
  if (out.length === 0) throw new UserError(`--split must be test, train or test,train, got ${JSON.stringify(value)}`);
  return out;
}

/** The shifted test sets of --shift, resolved as bench resolves them (the same datasets, shifts and rows). */
async function shiftedSets(ds: Dataset, v: FlagValues<typeof TARGET_FLAGS>, testIdx: Int32Array, limit: number | null): Promise<FeatureSet[]> {
  const seed = intFlag(v['shift-seed'], '--shift-seed', 0, 0);
  const out: FeatureSet[] = [];
  for (const s of await prepareShifts({ shift: v.shift ?? null, dataDir: v['data-dir'] ?? null, skipBad: false }, ds)) {
    if (s.kind === 'corruption') {
      const shift = corruptionShift(s.spec, seed);
      out.push({ ds, split: 'test', shift, indices: testIdx, label: `${ds.name}/test ${shift.label}` });
    } else if (s.kind === 'released') {
      out.push({ ds: s.set, split: 'test', shift: NO_SHIFT, indices: testIdx, label: `${s.set.name}/test` });
    } else {
      const set = s.set.dataset;
      out.push({ ds: set, split: 'test', shift: NO_SHIFT, indices: testIndices(set, await set.size('test'), limit), label: `${set.name}/test` });
    }
  }
  return out;
}

/** Open the dataset and name every feature set, before any model loads or any row is written. */
async function targetFrom(v: FlagValues<typeof TARGET_FLAGS>, writable: boolean): Promise<Target> {
  if (!v.dataset) throw new UserError(`--dataset is required, e.g. --dataset cifar10 (see: ${PROG} extract --help)`);
  if (v.dataset.includes(',')) throw new UserError(`--dataset takes one dataset here, got ${JSON.stringify(v.dataset)}; run one command per dataset`);
  const root = cacheDirOf(v, writable);
  const modelRef = v.model ?? DEFAULT_MODEL;
  resolveModelRef(modelRef);
  const limit = v.limit !== undefined ? intFlag(v.limit, '--limit', 0) : null;
  const ds = await openDataset(v.dataset, { dataDir: v['data-dir'], source: v.source });
  const splits = splitsOf(v.split, ds);
  // As in bench: --limit subsets the test split; the probes draw from every train row.
  if (limit !== null && !splits.includes('test')) throw new UserError(`--limit subsets the test split only (bench's probes draw from all train rows); drop --limit or add --split test`);
  if (v.shift !== undefined && !splits.includes('test')) throw new UserError(`--shift applies to the test split only (bench scores shifted test sets); add --split test`);
  const sets: FeatureSet[] = [];
  for (const split of splits) {
    const size = await ds.size(split);
    const indices = split === 'test' ? testIndices(ds, size, limit) : Int32Array.from({ length: size }, (_, i) => i);
    sets.push({ ds, split, shift: NO_SHIFT, indices, label: `${ds.name}/${split}` });
    if (split === 'test') sets.push(...(await shiftedSets(ds, v, indices, limit)));
  }
  return { modelRef, sets, root };
}

async function open(t: Target, v: FlagValues<typeof TARGET_FLAGS>, threads: number | undefined, io: Io, device?: Device): Promise<ClipModel> {
  return openModel(t.modelRef, { threads, device, variant: variantFlag(v.variant), modelsDir: v['models-dir'], allowUnverified: v['allow-unverified'] === true, progress: { stream: io.stderr }, log: (m) => io.stderr.write(`${m}\n`) });
}

const NO_SHARD: Shard = { index: 0, count: 1, source: 'no --shard' };

function shardOf(v: { shard?: string; shards?: string }): Shard {
  if (v.shard !== undefined && v.shards !== undefined) throw new UserError(`give --shard <index>/<count> or --shards <count> (index from ${SHARD_INDEX_VARIABLES[0]} …), not both`);
  if (v.shard !== undefined) return parseShard(v.shard);
  if (v.shards !== undefined) return shardFromEnvironment(parseShardCount(v.shards));
  return shardFromSlurmArray() ?? NO_SHARD;
}

const indicesText = (set: FeatureSet, start: number, end: number) =>
  set.indices.length > 0 && set.indices[set.indices.length - 1] === set.indices.length - 1 ? '' : ` (split indices ${set.indices[start]}…${set.indices[end - 1]} of the seeded --limit subset)`;

export const extract = defineCommand({
  name: 'extract',
  summary: "encode one shard's rows of a split into the (shared) feature cache",
  usage: '--dataset <d> --split <test|train> [--shard <i>/<n> | --shards <n>] [options]',
  description: `Encodes the rows bench will read into the feature cache, so a later bench run with the same
--cache-dir finds them cached. With --shard i/n it encodes only shard i's contiguous share of the rows:
rows ⌊i·N/n⌋ … ⌊(i+1)·N/n⌋−1 of N (shards count from 0). With --shards n the index comes from the job
array's environment: ${SHARD_INDEX_VARIABLES[0]} (Kubernetes Indexed Job), ${SHARD_INDEX_VARIABLES[1]}, or
${SHARD_INDEX_VARIABLES[2]} minus SLURM_ARRAY_TASK_MIN. Inside a Slurm array (--array=0-3) neither is needed:
one shard per task, n from SLURM_ARRAY_TASK_COUNT (deploy/slurm/extract.sbatch). Otherwise, without
either, it encodes every row.

${ROWS_HELP}

Many processes may write one cache entry at once (a shared volume): each seals its rows in its own
chunk files (temp file + rename), and rows already cached are skipped, so a restarted shard resumes.
Use the same --model, --variant, --dataset, --limit and --shift as the bench run that will read them.`,
  flags: {
    ...TARGET_FLAGS,
    shard: { type: 'string', value: '<i>/<n>', help: 'encode shard i of n (i from 0)' },
    shards: { type: 'string', value: '<n>', help: `n shards, this one's index from ${SHARD_INDEX_VARIABLES.join(', ')}` },
    threads: BENCH_FLAGS.threads,
    ...DEVICE_FLAG,
    workers: BENCH_FLAGS.workers,
    'batch-size': BENCH_FLAGS['batch-size'],
  },
  examples: [
    `${PROG} extract --dataset cifar10 --split test,train --shard 0/4 --cache-dir /shared/features`,
    `JOB_COMPLETION_INDEX=2 ${PROG} extract --dataset cifar10 --split test --limit 1000 --shards 4 --threads 1`,
    `${PROG} extract --dataset cifar10 --split test --shift gaussian_noise:3 --shard 1/2`,
  ],
  async run({ values: v, positionals, io }) {
    noPositionals(positionals, 'extract');
    const shard = shardOf(v);
    const threads = v.threads !== undefined ? intFlag(v.threads, '--threads', 0, 1, 256) : undefined;
    const workers = intFlag(v.workers, '--workers', extractionDefaults().workers, 0, 64);
    const batchSize = intFlag(v['batch-size'], '--batch-size', 32, 1, 4096);
    const device = deviceFlag(v.device);
    const t = await targetFrom(v, true);
    const model = await open(t, v, threads, io, device);
    try {
      for (const set of t.sets) {
        const n = set.indices.length;
        const { start, end } = shardBounds(n, shard.index, shard.count);
        const who = shard === NO_SHARD ? 'no --shard: all' : `shard ${shard.index}/${shard.count} (${shard.source}) takes`;
        if (end === start) {
          io.stdout.write(`${set.label}: ${who} no rows (${n} rows in ${shard.count} shards)\n`);
          continue;
        }
        io.stdout.write(`${set.label}: ${who} rows ${formatRange({ first: start, last: end - 1 })} of ${n}${indicesText(set, start, end)}\n`);
        const r = await extractImageFeatures({
          encoder: model,
          dataset: set.ds,
          split: set.split,
          shift: set.shift,
          indices: set.indices.slice(start, end),
          cacheRoot: t.root,
          batchSize,
          workers,
          label: `${set.label} features`,
          progressStream: io.stderr,
          log: (m) => io.stderr.write(`${m}\n`),
        });
        io.stdout.write(`${set.label}: ${r.computedRows} rows encoded, ${r.cachedRows} already cached, in ${r.seconds.toFixed(1)} s → ${r.cacheDir}\n`);
      }
    } finally {
      await model.release();
    }
  },
});

interface SetReport {
  set: FeatureSet;
  check: EntryCheck;
  related: RelatedEntry[];
  complete: boolean;
}

function describe(r: SetReport, shards: number | null): string[] {
  const { check: c, set } = r;
  const lines = [`${set.label}: ${c.rows} rows in ${c.dir}`];
  if (r.complete) lines.push(`  complete: every row present, every chunk sealed, dimension ${c.dim}${c.duplicates.identical ? ` (${c.duplicates.identical} rows stored twice with identical bits)` : ''}`);
  if (c.missingRows > 0) {
    const which = shards !== null ? `; shard${shardsHolding(c.missing, c.rows, shards).length === 1 ? '' : 's'} ${shardsHolding(c.missing, c.rows, shards).map((i) => `${i}/${shards}`).join(', ')}` : ' (give --shards n to see which shards)';
    lines.push(`  missing ${c.missingRows} of ${c.rows} rows: ${formatRanges(c.missing)}${which}`);
  }
  for (const x of c.corrupt) lines.push(`  corrupt chunk ${x} (its rows count as missing; rerunning the shard's extract replaces it)`);
  if (c.duplicates.differing) lines.push(`  ${c.duplicates.differing} rows stored twice with different bits: the encoder is not deterministic across shards (threads, execution provider)`);
  for (const e of r.related) lines.push(`  another entry holds ${e.rows} ${set.label} rows whose key differs in ${e.differs.join(', ')}: ${e.dir} (was a shard run with another --model, --variant, --data-dir or --source?)`);
  return lines;
}

/** " (rows of shards 1/4, 3/4 missing)": which tasks to rerun, or whose writes this node cannot see. */
function missingShardsText(c: EntryCheck, shards: number | null): string {
  if (shards === null || c.missingRows === 0) return '';
  const held = shardsHolding(c.missing, c.rows, shards);
  return ` (rows of shard${held.length === 1 ? '' : 's'} ${held.map((i) => `${i}/${shards}`).join(', ')} missing)`;
}

export const verify = defineCommand({
  name: 'verify',
  summary: 'check that every row of a (sharded) extraction is cached once, with valid checksums',
  usage: '--dataset <d> --split <test|train> [--shards <n>] [options]',
  description: `Checks the feature cache entry that bench will read for the given model, dataset, split(s),
--limit and --shift: every row present, in a chunk whose SHA-256 seal holds, all of one dimension, and
rows stored twice (a retried shard) bit-identical. Names the missing rows and, with --shards n, the shards
that hold them; names other entries of the same dataset split under another model, preprocessing or
dataset content (a shard run with other flags). Reads only; changes nothing.

${ROWS_HELP}

Exit 0: complete. Exit 1: rows missing, corrupt chunks or differing copies. Exit 2: bad input.`,
  flags: {
    ...TARGET_FLAGS,
    shards: { type: 'string', value: '<n>', help: 'the extraction ran in n shards: name the shards missing rows belong to' },
    device: { type: 'string', value: '<d>', help: `the --device the extraction ran on: ${DEVICES.join(', ')} (default cpu);\nit names the cache entry (GPU features are cached apart); nothing runs on it` },
    ...JSON_FLAG,
  },
  examples: [`${PROG} verify --dataset cifar10 --split test,train --shards 4 --cache-dir /shared/features`, `${PROG} verify --dataset cifar10 --split test --limit 1000 --json`],
  async run({ values: v, positionals, io }) {
    noPositionals(positionals, 'verify');
    const shards = v.shards !== undefined ? parseShardCount(v.shards) : null;
    const device = choiceFlag(v.device, '--device', DEVICES) ?? 'cpu';
    const t = await targetFrom(v, false);
    const model = await open(t, v, 1, io);
    const reports: SetReport[] = [];
    try {
      for (const set of t.sets) {
        // The model is opened on the CPU to read its hashes; the entry is the one the extraction's device wrote.
        const key = imageFeatureKey({ files: model.files, preprocess: model.preprocess, device, imageEncodeMode: model.imageEncodeMode }, set.ds, set.split, set.shift);
        const store = new FeatureStore(t.root, key, { dataset: set.ds.name });
        const check = await checkEntry(store, set.indices);
        const complete = check.missingRows === 0 && check.corrupt.length === 0 && check.duplicates.differing === 0;
        reports.push({ set, check, complete, related: complete ? [] : await relatedEntries(t.root, key, set.ds.name, store.dir) });
      }
    } finally {
      await model.release();
    }
    const ok = reports.every((r) => r.complete);
    if (v.json) {
      writeJson(io, {
        complete: ok,
        sets: reports.map((r) => ({
          label: r.set.label,
          split: r.set.split,
          shift: r.set.shift.id,
          ...r.check,
          missingShards: shards !== null ? shardsHolding(r.check.missing, r.check.rows, shards) : null,
          related: r.related,
          complete: r.complete,
        })),
      });
    } else for (const r of reports) io.stdout.write(`${describe(r, shards).join('\n')}\n`);
    if (!ok) {
      const sets = reports.filter((r) => !r.complete).map((r) => r.set.label + missingShardsText(r.check, shards)).join(', ');
      throw checkFailed(`the feature cache ${t.root} is incomplete for ${sets} (${v.json ? 'details in the JSON on stdout' : 'details above'})`);
    }
  },
});
