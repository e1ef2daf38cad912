/** `npm run datasets -- list | fetch <name…> | info <name> | preview <name> --out file.png` */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { resolveDataDir } from '../util/paths.ts';
import { builtinStatus, resolveSource } from '../datasets/builtin.ts';
import { BUILTIN_DATASETS, builtinEntry } from '../datasets/registry.ts';
import { openDataset } from '../datasets/resolve.ts';
import { SPLITS, type Dataset, type Split } from '../datasets/types.ts';
import { intFlag, parseFlags, runCli } from './args.ts';
import { formatTable } from '../results/table.ts';

export const DATASETS_HELP = `Usage: npm run datasets -- <command> [options]

Built-in datasets are fetched on first use (or with \`fetch\`), verified against pinned checksums
and converted once into a compact store in the data directory.

Commands:
  list                      built-in datasets and their status (cached / not fetched / source missing)
  fetch <name…>             download, verify and convert built-ins now
  info <name|path>          provenance, identity, per-split and per-class counts
  preview <name|path>       write a contact sheet PNG (--out required)

Options:
  --data-dir <dir>          dataset cache (default: $CLIP_BENCH_DATA or <project>/datasets)
  --source <id|dir:folder>  built-ins: another source (e.g. official), or files from a folder
  --skip-bad                user folders: skip unreadable images instead of failing
  --out <file.png>          preview: output file
  --split <train|val|test>  preview: split (default test)
  --per-class <n>           preview: images per class (default 8)
  --seed <n>                preview: which images (default 0)
  -h, --help                this help

Examples:
  npm run datasets -- list
  npm run datasets -- fetch cifar10 mnist
  npm run datasets -- fetch mnist --source official
  npm run datasets -- fetch fashion-mnist --source dir:./my-fashion-idx
  npm run datasets -- info cifar10
  npm run datasets -- preview quickdraw --out quickdraw.png --per-class 4
`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  source: { type: 'string' },
  'skip-bad': { type: 'boolean' },
  out: { type: 'string' },
  split: { type: 'string' },
  'per-class': { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, OPTIONS, 'npm run datasets --');
  const [command, ...names] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(DATASETS_HELP);
    return 0;
  }
  const dataDir = resolveDataDir(values['data-dir']);
  const common = { dataDir, source: values.source, skipBad: values['skip-bad'] };
  const onlyFor = (flags: (keyof typeof values)[], cmd: string) => {
    const stray = (['out', 'split', 'per-class', 'seed'] as const).filter((f) => values[f] !== undefined && !flags.includes(f));
    if (stray.length) throw new UserError(`--${stray[0]} does not apply to \`${cmd}\``);
  };
  switch (command) {
    case undefined:
      throw new UserError('no command given: use list, fetch, info or preview (see --help)');
    case 'list':
      onlyFor([], 'list');
      if (names.length) throw new UserError(`list takes no names (got ${names.join(' ')})`);
      return list(dataDir, values.source);
    case 'fetch':
      onlyFor([], 'fetch');
      if (names.length === 0) throw new UserError('fetch needs at least one dataset name, e.g. fetch cifar10');
      for (const n of names) if (!builtinEntry(n)) throw new UserError(`unknown dataset "${n}": use one of ${Object.keys(BUILTIN_DATASETS).join(', ')}`);
      for (const n of names) {
        const ds = await openDataset(n, common);
        const counts = await Promise.all(ds.splits.map(async (s) => `${s} ${await ds.size(s)}`));
        process.stdout.write(`${n}: ready (${counts.join(', ')}) from ${ds.provenance.source}\n`);
      }
      return 0;
    case 'info':
      onlyFor([], 'info');
      return info(await openDataset(one(names, 'info'), common));
    case 'preview': {
      onlyFor(['out', 'split', 'per-class', 'seed'], 'preview');
      const name = one(names, 'preview');
      if (!values.out) throw new UserError('preview needs --out <file.png>');
      const split = (values.split ?? 'test') as Split;
      if (!SPLITS.includes(split)) throw new UserError(`--split must be one of ${SPLITS.join(', ')}, got "${values.split}"`);
      const perClass = intFlag(values['per-class'], '--per-class', 8);
      const seed = intFlag(values.seed, '--seed', 0, 0);
      const ds = await openDataset(name, common);
      if (!ds.splits.includes(split)) throw new UserError(`${name} has no ${split} split (it has: ${ds.splits.join(', ')})`);
      const { renderContactSheet } = await import('../datasets/preview.ts');
      const png = await renderContactSheet(ds, split, { perClass, seed });
      const out = resolve(values.out);
      await writeFileAtomic(out, png);
      process.stdout.write(`wrote ${out}\n`);
      return 0;
    }
    default:
      throw new UserError(`unknown command "${command}": use list, fetch, info or preview (see --help)`);
  }
}

function one(names: string[], cmd: string): string {
  if (names.length !== 1) throw new UserError(`${cmd} takes exactly one dataset name or path (got ${names.length})`);
  return names[0];
}

async function list(dataDir: string, source?: string): Promise<number> {
  const rows: string[][] = [['name', 'status', 'source', 'description']];
  for (const entry of Object.values(BUILTIN_DATASETS)) {
    const src = source && !source.startsWith('dir:') && !Object.hasOwn(entry.sources, source) ? undefined : source;
    const status = await builtinStatus(entry, dataDir, src);
    rows.push([entry.name, status, resolveSource(entry, src).src.provenance, entry.description]);
  }
  process.stdout.write(`data dir: ${dataDir}\n${table(rows)}`);
  return 0;
}

async function info(ds: Dataset): Promise<number> {
  const p = ds.provenance;
  const lines = [
    `name:      ${ds.name}`,
    `source:    ${p.source}`,
    `checksum:  ${p.checksum}`,
    ...(p.license ? [`license:   ${p.license}`] : []),
    ...(p.notes ? [`notes:     ${p.notes}`] : []),
    `classes:   ${ds.classes.length}`,
    `templates: ${ds.templates.length} (first: ${ds.templates[0]})`,
  ];
  const counts = new Map<Split, Int32Array>();
  for (const s of ds.splits) {
    const labels = await ds.labels(s);
    const c = new Int32Array(ds.classes.length);
    for (const l of labels) c[l]++;
    counts.set(s, c);
    lines.push(`${(s + ":").padEnd(10)} ${labels.length} images, identity ${ds.identity(s)}`);
  }
  const rows = [['class', ...ds.splits]];
  ds.classes.forEach((name, i) => rows.push([`${i} ${name}`, ...ds.splits.map((s) => String(counts.get(s)![i]))]));
  process.stdout.write(`${lines.join('\n')}\n\nper-class counts:\n${table(rows)}`);
  const skipped = (ds as { skipped?: { path: string; reason: string }[] }).skipped ?? [];
  if (skipped.length) process.stdout.write(`\nskipped ${skipped.length} unreadable image(s) (--skip-bad):\n${skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n')}\n`);
  return 0;
}

const table = (rows: string[][]) => formatTable(rows[0], rows.slice(1));

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/cli/datasets.ts')) {
  runCli(() => main(process.argv.slice(2)));
}
