import { parseFlags } from './args.ts';
import { UserError } from '../util/errors.ts';

export interface BenchArgs {
  datasets: string[];
  model: string | undefined;
  shots: (number | 'all')[];
  seeds: number[];
  limit: number | null;
  out: string | null;
  templatesFile: string | null;
  solver: 'lbfgs' | 'ml-logistic-regression';
  threads: number | null;
  workers: number | null;
  batchSize: number;
  cache: boolean;
  cacheDir: string | null;
  exportFeatures: string | null;
  dataDir: string | null;
  source: string | null;
  skipBad: boolean;
  bootstrap: number;
  variant: 'fp32' | 'quantized' | 'fp16' | undefined;
  noZeroShot: boolean;
  help: boolean;
}

export const BENCH_HELP = `Usage: npm run bench -- --dataset <name|path> [options]

Zero-shot classification vs k-shot linear probes on frozen image features.

Options:
  --dataset <name|path>   built-in (cifar10, mnist, fashion-mnist, quickdraw, digits), an image folder or a
                          CSV manifest; repeat or comma-separate for several (they share one model load)
  --model <name|dir>      registry model (npm run models -- list) or a local export; default: demo-clip
  --shots <list>          shots per class, e.g. 1,2,4,8,16 or all (default 1,2,4,8,16)
  --seeds <n>             seeds per shot count (default 3); seeds are --seed, --seed+1, …
  --seed <n>              first seed (default 0)
  --limit <n>             evaluate on a seeded subset of n test images (quick runs)
  --templates <file>      JSON array of prompt templates, each containing {}
  --solver <name>         lbfgs (default) or ml-logistic-regression
  --threads <n>           ONNX intra-op threads (default: all cores)
  --workers <n>           preprocessing worker threads (default 1)
  --batch-size <n>        images per encoder call (default 32)
  --bootstrap <n>         bootstrap resamples for confidence intervals (default 1000)
  --out <dir>             output directory (default reports/<run-id>)
  --export-features <dir> also write the features and labels used as .npy
  --no-cache              do not read or write the feature cache
  --cache-dir <dir>       feature cache (default .cache/features)
  --data-dir <dir>        dataset cache (default datasets/)
  --source <name>         dataset source variant (e.g. official)
  --variant <v>           export variant: fp32, quantized or fp16
  --skip-bad              skip unreadable images in a user folder (they are listed)
  --no-zero-shot          probes only
  -h, --help              this help

Examples:
  npm run bench -- --dataset cifar10 --shots 4
  npm run bench -- --dataset cifar10 --dataset mnist --shots 1,2,4,8,16 --seeds 5
  npm run bench -- --model clip-vit-b32 --dataset cifar10 --shots 1,2,4,8,16,all
  npm run bench -- --model ./my-export --dataset ./photos --templates prompts.json --limit 500
`;

const positiveInt = (flag: string, v: string, max = 1e9): number => {
  if (!/^\d+$/.test(v.trim())) throw new UserError(`${flag} must be a positive integer, got "${v}"`);
  const n = Number(v);
  if (n < 1) throw new UserError(`${flag} must be at least 1, got ${v}`);
  if (n > max) throw new UserError(`${flag} ${v} is absurdly large (max ${max})`);
  return n;
};

export function parseShots(v: string): (number | 'all')[] {
  const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UserError(`--shots needs a list like 1,2,4,8,16 or all`);
  const out: (number | 'all')[] = [];
  for (const p of parts) {
    if (p === 'all') out.push('all');
    else if (p === '0') throw new UserError(`--shots 0 is not a probe: use at least 1 example per class (zero-shot is always run)`);
    else out.push(positiveInt('--shots', p, 100_000));
  }
  return [...new Set(out)].sort((a, b) => (a === 'all' ? 1 : b === 'all' ? -1 : a - b));
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const parsed = parseFlags(
    argv,
    {
        dataset: { type: 'string', multiple: true },
        model: { type: 'string' },
        shots: { type: 'string', default: '1,2,4,8,16' },
        seeds: { type: 'string', default: '3' },
        seed: { type: 'string', default: '0' },
        limit: { type: 'string' },
        out: { type: 'string' },
        templates: { type: 'string' },
        solver: { type: 'string', default: 'lbfgs' },
        threads: { type: 'string' },
        workers: { type: 'string' },
        'batch-size': { type: 'string', default: '32' },
        bootstrap: { type: 'string', default: '1000' },
        'no-cache': { type: 'boolean', default: false },
        'cache-dir': { type: 'string' },
        'export-features': { type: 'string' },
        'data-dir': { type: 'string' },
        source: { type: 'string' },
        variant: { type: 'string' },
        'skip-bad': { type: 'boolean', default: false },
        'no-zero-shot': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
    },
    'npm run bench --',
  );
  const v = parsed.values;
  if (parsed.positionals.length) throw new UserError(`unexpected argument "${parsed.positionals[0]}" (flags start with --; see npm run bench -- --help)`);
  if (v.help) return { help: true } as BenchArgs;
  const datasets = (v.dataset ?? []).flatMap((d) => d.split(',')).map((d) => d.trim()).filter(Boolean);
  if (datasets.length === 0) throw new UserError('--dataset is required, e.g. --dataset cifar10 (see npm run bench -- --help)');
  const nSeeds = positiveInt('--seeds', v.seeds!, 1000);
  if (!/^\d+$/.test(v.seed!)) throw new UserError(`--seed must be a non-negative integer, got "${v.seed}"`);
  const first = Number(v.seed);
  if (v.solver !== 'lbfgs' && v.solver !== 'ml-logistic-regression')
    throw new UserError(`--solver must be lbfgs or ml-logistic-regression, got "${v.solver}"`);
  if (v.variant !== undefined && !['fp32', 'quantized', 'fp16'].includes(v.variant))
    throw new UserError(`--variant must be fp32, quantized or fp16, got "${v.variant}"`);
  return {
    datasets: [...new Set(datasets)],
    model: v.model,
    shots: parseShots(v.shots!),
    seeds: Array.from({ length: nSeeds }, (_, i) => first + i),
    limit: v.limit !== undefined ? positiveInt('--limit', v.limit) : null,
    out: v.out ?? null,
    templatesFile: v.templates ?? null,
    solver: v.solver as BenchArgs['solver'],
    threads: v.threads !== undefined ? positiveInt('--threads', v.threads, 256) : null,
    workers: v.workers !== undefined ? (v.workers === '0' ? 0 : positiveInt('--workers', v.workers, 64)) : null,
    batchSize: positiveInt('--batch-size', v['batch-size']!, 4096),
    cache: !v['no-cache'],
    cacheDir: v['cache-dir'] ?? null,
    exportFeatures: v['export-features'] ?? null,
    dataDir: v['data-dir'] ?? null,
    source: v.source ?? null,
    skipBad: v['skip-bad']!,
    bootstrap: positiveInt('--bootstrap', v.bootstrap!, 100_000),
    variant: v.variant as BenchArgs['variant'],
    noZeroShot: v['no-zero-shot']!,
    help: false,
  };
}
