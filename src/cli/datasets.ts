/** `npm run datasets -- list | fetch <name…> | info <name> | preview <name> [--shift <spec>] --out file.png` */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { resolveDataDir } from '../util/paths.ts';
import { corruptionShift } from '../features/shift.ts';
import { isNaturalShiftItem, NATURAL_SHIFTS } from '../datasets/natural-shifts.ts';
import { parseShiftSpec, suiteLabel } from '../shifts/index.ts';
import { builtinStatus, resolveSource } from '../datasets/builtin.ts';
import { BUILTIN_DATASETS, builtinEntry } from '../datasets/registry.ts';
import { openDataset } from '../datasets/resolve.ts';
import { SPLITS, type Dataset, type Split } from '../datasets/types.ts';
import { choiceFlag, defineCommand, defineGroup, formatTable, intFlag, JSON_FLAG, plural, startCli, writeJson, type Flags, type FlagValues, type Io } from './toolkit.ts';
import { checkOutputDir, checkOutputFile } from './output-paths.ts';

const PROG = 'npm run datasets --';

const DATA_DIR = {
  'data-dir': { type: 'string', value: '<dir>', help: 'dataset cache (default: $CLIP_BENCH_DATA or <project>/datasets)' },
} satisfies Flags;
const SOURCE = {
  source: { type: 'string', value: '<id|dir:folder>', help: 'built-ins: another source (e.g. official), or files from a folder' },
} satisfies Flags;
const OPEN = {
  ...DATA_DIR,
  ...SOURCE,
  'skip-bad': { type: 'boolean', help: 'user folders: skip unreadable images instead of failing' },
} satisfies Flags;

type OpenValues = FlagValues<typeof OPEN>;

/** The data directory, checked before anything is fetched into it (read-only is fine for reading converted stores). */
function dataDirOf(v: { 'data-dir'?: string }, writable = false): string {
  const dir = resolveDataDir(v['data-dir']);
  checkOutputDir({ flag: v['data-dir'] ? '--data-dir' : 'data dir', path: dir, shown: v['data-dir'] ?? dir, writable });
  return dir;
}
const openOptions = (v: OpenValues) => ({ dataDir: dataDirOf(v), source: v.source, skipBad: v['skip-bad'] });

function one(names: string[], cmd: string): string {
  if (names.length !== 1) throw new UserError(`${cmd} takes exactly one dataset name or path (got ${names.length})`);
  return names[0];
}

const list = defineCommand({
  name: 'list',
  summary: 'built-in datasets and their status (cached / not fetched / source missing)',
  usage: '[options]',
  description: 'Lists the built-in datasets, whether each is converted in the data directory, and its source.',
  flags: { ...DATA_DIR, ...SOURCE, ...JSON_FLAG },
  examples: [`${PROG} list`, `${PROG} list --source official`, `${PROG} list --json`],
  async run({ values, positionals, io }) {
    if (positionals.length) throw new UserError(`list takes no names (got ${positionals.join(' ')})`);
    const dataDir = dataDirOf(values);
    const source = values.source;
    const rows = [];
    for (const entry of Object.values(BUILTIN_DATASETS)) {
      const src = source && !source.startsWith('dir:') && !Object.hasOwn(entry.sources, source) ? undefined : source;
      const status = await builtinStatus(entry, dataDir, src);
      rows.push({ name: entry.name, status, source: resolveSource(entry, src).src.provenance, description: entry.description });
    }
    if (values.json) return writeJson(io, { dataDir, datasets: rows });
    io.stdout.write(`data dir: ${dataDir}\n${formatTable(['name', 'status', 'source', 'description'], rows.map((r) => [r.name, r.status, r.source, r.description]))}`);
  },
});

const fetch = defineCommand({
  name: 'fetch',
  summary: 'download, verify and convert built-ins now',
  usage: '<name…> [options]',
  description: `Downloads each built-in's source files, verifies them against their pinned checksums and converts
them once into the compact store in the data directory. Already converted datasets are only checked.`,
  flags: { ...DATA_DIR, ...SOURCE },
  examples: [
    `${PROG} fetch cifar10 mnist`,
    `${PROG} fetch mnist --source official`,
    `${PROG} fetch fashion-mnist --source dir:./my-fashion-idx`,
  ],
  async run({ values, positionals: names, io }) {
    if (names.length === 0) throw new UserError(`fetch needs at least one dataset name, e.g. ${PROG} fetch cifar10`);
    for (const n of names) if (!builtinEntry(n)) throw new UserError(`unknown dataset "${n}": use one of ${Object.keys(BUILTIN_DATASETS).join(', ')}`);
    const dataDir = dataDirOf(values, true);
    for (const n of names) {
      const ds = await openDataset(n, { dataDir, source: values.source });
      const counts = await Promise.all(ds.splits.map(async (s) => `${s} ${await ds.size(s)}`));
      io.stdout.write(`${n}: ready (${counts.join(', ')}) from ${ds.provenance.source}\n`);
    }
  },
});

const info = defineCommand({
  name: 'info',
  summary: 'provenance, identity, per-split and per-class counts',
  usage: '<name|path> [options]',
  description: `Opens a built-in (fetching it if needed), an image folder or a CSV manifest and prints its provenance,
the identity (content hash) of each split and the number of images per class and split.`,
  flags: { ...OPEN, ...JSON_FLAG },
  examples: [`${PROG} info cifar10`, `${PROG} info ./photos --skip-bad`, `${PROG} info mnist --json`],
  async run({ values, positionals, io }) {
    const ds = await openDataset(one(positionals, 'info'), openOptions(values));
    return printInfo(await describe(ds), io, values.json === true);
  },
});

const preview = defineCommand({
  name: 'preview',
  summary: 'write a contact sheet PNG (--out required)',
  usage: '<name|path> --out <file.png> [options]',
  description: `Writes a contact sheet: one labelled row of images per class, drawn with a seed. With --shift, a few
images instead (one per class in turn), each clean and under every shift, one labelled row per shift:
exactly the pixels bench encodes with the same --shift and seed.`,
  flags: {
    ...OPEN,
    out: { type: 'string', value: '<file.png>', help: 'output file (required)' },
    split: { type: 'string', value: '<train|val|test>', help: 'split (default test)' },
    'per-class': { type: 'string', value: '<n>', help: 'images per class (default 8)' },
    seed: { type: 'string', value: '<n>', help: 'which images (default 0)' },
    shift: { type: 'string', value: '<spec>', help: 'show a few images clean and under each shift: name:severity[,…], name (its 5\nseverities), corruptions or corruptions+extra (see: npm run shifts -- list)' },
    'shift-seed': { type: 'string', value: '<n>', help: "with --shift: seed of the random corruptions, as bench's (default 0)" },
    images: { type: 'string', value: '<n>', help: 'with --shift: images shown, one column each (default 8)' },
  },
  examples: [
    `${PROG} preview quickdraw --out quickdraw.png --per-class 4`,
    `${PROG} preview ./photos --split train --out sheet.png`,
    `${PROG} preview cifar10 --shift gaussian_noise:3,fog:5,contrast --out shifted.png`,
  ],
  async run({ values, positionals, io }) {
    const name = one(positionals, 'preview');
    if (!values.out) throw new UserError('preview needs --out <file.png>');
    const split = choiceFlag(values.split, '--split', SPLITS) ?? 'test';
    const perClass = intFlag(values['per-class'], '--per-class', 8);
    const seed = intFlag(values.seed, '--seed', 0, 0);
    const shifted = previewShifts(values);
    checkOutputFile('--out', values.out);
    const ds = await openDataset(name, openOptions(values));
    if (!ds.splits.includes(split)) throw new UserError(`${name} has no ${split} split (it has: ${ds.splits.join(', ')})`);
    const { renderContactSheet, renderShiftSheet } = await import('../datasets/preview.ts');
    const png = shifted
      ? await renderShiftSheet(ds, split, shifted.shifts, { images: shifted.images, seed, caption: suiteLabel(shifted.seed) })
      : await renderContactSheet(ds, split, { perClass, seed });
    const out = resolve(values.out);
    await writeFileAtomic(out, png);
    io.stdout.write(`wrote ${out}\n`);
  },
});

/**
 * preview --shift: the corruptions as the pipeline builds them (corruptionShift), so each cell holds the
 * pixels bench encodes for that (image, split, --shift-seed). Checked before the dataset is opened.
 */
function previewShifts(v: { shift?: string; 'shift-seed'?: string; images?: string; 'per-class'?: string }) {
  if (v.shift === undefined) {
    for (const flag of ['shift-seed', 'images'] as const) if (v[flag] !== undefined) throw new UserError(`--${flag} only applies with --shift <spec>`);
    return undefined;
  }
  if (v['per-class'] !== undefined) throw new UserError('--per-class does not apply with --shift; choose how many images with --images <n>');
  const natural = v.shift.split(',').map((s) => s.trim()).find(isNaturalShiftItem);
  if (natural) {
    const target = NATURAL_SHIFTS.find((s) => s.name === natural)?.target;
    const how = target ? `${PROG} preview ${target} --out ${target}.png` : `${PROG} preview <target dataset> --out target.png`;
    throw new UserError(`--shift ${natural}: preview --shift shows corruptions; a natural shift is another dataset, see it with ${how}`);
  }
  const seed = intFlag(v['shift-seed'], '--shift-seed', 0, 0);
  const images = intFlag(v.images, '--images', 8, 1, 100);
  return { seed, images, shifts: parseShiftSpec(v.shift).map((spec) => corruptionShift(spec, seed)) };
}

interface DatasetInfo {
  name: string;
  provenance: Dataset['provenance'];
  classes: readonly string[];
  templates: readonly string[];
  splits: { split: Split; images: number; identity: string; perClass: number[] }[];
  skipped: { path: string; reason: string }[];
}

async function describe(ds: Dataset): Promise<DatasetInfo> {
  const splits = [];
  for (const s of ds.splits) {
    const labels = await ds.labels(s);
    const perClass = new Array<number>(ds.classes.length).fill(0);
    for (const l of labels) perClass[l]++;
    splits.push({ split: s, images: labels.length, identity: ds.identity(s), perClass });
  }
  const skipped = (ds as { skipped?: { path: string; reason: string }[] }).skipped ?? [];
  return { name: ds.name, provenance: ds.provenance, classes: ds.classes, templates: ds.templates, splits, skipped };
}

function printInfo(d: DatasetInfo, io: Io, json: boolean): void {
  if (json) return writeJson(io, d);
  const p = d.provenance;
  const lines = [
    `name:      ${d.name}`,
    `source:    ${p.source}`,
    `checksum:  ${p.checksum}`,
    ...(p.license ? [`license:   ${p.license}`] : []),
    ...(p.notes ? [`notes:     ${p.notes}`] : []),
    `classes:   ${d.classes.length}`,
    `templates: ${d.templates.length} (first: ${d.templates[0]})`,
    ...d.splits.map((s) => `${(s.split + ':').padEnd(10)} ${plural(s.images, 'image')}, identity ${s.identity}`),
  ];
  const rows = d.classes.map((name, i) => [`${i} ${name}`, ...d.splits.map((s) => String(s.perClass[i]))]);
  io.stdout.write(`${lines.join('\n')}\n\nper-class counts:\n${formatTable(['class', ...d.splits.map((s) => s.split)], rows)}`);
  if (d.skipped.length) io.stdout.write(`\nskipped ${plural(d.skipped.length, 'unreadable image')} (--skip-bad):\n${d.skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n')}\n`);
}

export const datasetsCli = defineGroup({
  prog: PROG,
  description: `Built-in datasets are fetched on first use (or with \`fetch\`), verified against pinned checksums
and converted once into a compact store in the data directory.`,
  commands: [list, fetch, info, preview],
  examples: [`${PROG} list`, `${PROG} fetch cifar10 mnist`, `${PROG} info cifar10`, `${PROG} fetch --help`],
});

export const main = datasetsCli.main;

startCli(import.meta.url, main);
