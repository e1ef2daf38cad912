/**
 * The CoOp lpclip / CLIP A.3 C search, ours against scikit-learn's, side by side in one run (issue 18).
 * Dev-only: the sklearn side needs /usr/bin/python3 with scikit-learn (`--no-sklearn` skips it).
 *
 *   npm run bench -- --dataset quickdraw --shots 4 --export-features .cache/bench/export   # once (features cached)
 *   npx tsx bench/probe-search.ts --export .cache/bench/export/quickdraw [--imagenet] [--quick]
 *        [--seeds 0,1,2] [--classes N] [--synthetic KxS] [--precision mixed|float64] [--float64] [--no-sklearn] [--sklearn-json FILE] [--out bench/results/probe-search.json]
 *
 * For each drawn seed of the export (`--export-features` output: the exact rows each seed drew for train
 * and validation), runs our search + train+val refit (`evaluateProbeSeed`, all cores, one seed at a time)
 * and scikit-learn's same search (bench/dev/coop-search-exported.py: cold starts, lbfgs, max_iter 1000),
 * then refits sklearn at our chosen C (check (b)). `--float64` also runs our float64 cold-start path.
 * `--imagenet`: the same on seeded synthetic class-clustered features of ImageNet's shape (1,000 classes,
 * 16 shots, 4 val per class, 512-d, 10 test per class); `--quick` shrinks it to 50 classes × 4 shots and
 * takes seed 0 of the export only, restricted to its first 60 classes (`--classes N` does that for any N).
 * Prints one summary table with the load average and writes the JSON.
 */
import { spawnSync } from 'node:child_process';
import { isEntryPoint } from '../src/cli/toolkit.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PROBE_SETTINGS, evaluateProbeSeed, type ProbeJob, type ProbeSettings } from '../src/evaluation/linear-probe.ts';
import type { ProbePrecision } from '../src/evaluation/probe/index.ts';
import { writeFileAtomic } from '../src/util/atomic.ts';
import { decodeNpy, encodeNpy } from '../src/util/npy.ts';
import { syntheticClassClusters } from './synthetic-clusters.ts';

const flag = (name: string) => process.argv.includes(name);
function arg(name: string, fallback: string | null): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface Draw {
  shots: number;
  seed: number;
  train: number[];
  val: number[];
}

interface Loaded {
  job: Omit<ProbeJob, 'settings'>;
  draws: Draw[];
}

function npy(dir: string, name: string) {
  return decodeNpy(readFileSync(join(dir, `${name}.npy`)), name);
}

/**
 * An `--export-features` directory as a probe job (pool rows by train-split index) and its draws; with
 * `classes`, only the first that many classes (their train, val and test rows), as the sklearn side reads it.
 */
export function loadExport(dir: string, classes?: number): Loaded {
  const X = npy(dir, 'train_features');
  const idx = npy(dir, 'train_indices').data as Int32Array;
  const lab = npy(dir, 'train_labels').data as Int32Array;
  const test = npy(dir, 'test_features');
  const testLabels = npy(dir, 'test_labels').data as Int32Array;
  const K = classes ?? (JSON.parse(readFileSync(join(dir, 'classes.json'), 'utf8')) as string[]).length;
  const d = X.shape[1];
  const poolLabels = new Int32Array(idx[idx.length - 1] + 1).fill(-1);
  idx.forEach((v, i) => (poolLabels[v] = lab[i]));
  const keep = (rows: number[]) => rows.filter((i) => poolLabels[i] < K);
  const draws = (JSON.parse(readFileSync(join(dir, 'draws.json'), 'utf8')) as { draws: Draw[] }).draws.map((dr) => ({ ...dr, train: keep(dr.train), val: keep(dr.val) }));
  const t = [...testLabels.keys()].filter((i) => testLabels[i] < K);
  const testFeats = new Float32Array(t.length * d);
  t.forEach((i, r) => testFeats.set((test.data as Float32Array).subarray(i * d, (i + 1) * d), r * d));
  return {
    job: { poolLabels, poolIndex: idx, poolFeatures: X.data as Float32Array, testFeats, testLabels: Int32Array.from(t, (i) => testLabels[i]), numClasses: K, dim: d },
    draws,
  };
}

/** Synthetic features written in the export layout, so both sides read the same files. */
async function writeSyntheticExport(dir: string, classes: number, shots: number, seed: number): Promise<void> {
  const val = Math.min(shots, 4);
  const gen = syntheticClassClusters({ seed, numClasses: classes, d: 512 });
  const pool = gen.make('pool', shots + val);
  const test = gen.make('test', 10);
  mkdirSync(dir, { recursive: true });
  const write = async (name: string, p: { X: Float32Array; y: Int32Array; n: number }) => {
    await writeFileAtomic(join(dir, `${name}_features.npy`), encodeNpy(p.X, [p.n, 512]));
    await writeFileAtomic(join(dir, `${name}_labels.npy`), encodeNpy(p.y, [p.n]));
    await writeFileAtomic(join(dir, `${name}_indices.npy`), encodeNpy(Int32Array.from({ length: p.n }, (_, i) => i), [p.n]));
  };
  await write('train', pool);
  await write('test', test);
  await writeFileAtomic(join(dir, 'classes.json'), JSON.stringify(Array.from({ length: classes }, (_, i) => `class${i}`)));
  // Rows are class-interleaved (row i has class i mod K): the first `shots` rounds train, the rest val.
  const rows = (from: number, to: number) => Array.from({ length: (to - from) * classes }, (_, i) => from * classes + i);
  await writeFileAtomic(join(dir, 'draws.json'), JSON.stringify({ draws: [{ shots, seed: 0, train: rows(0, shots), val: rows(shots, shots + val) }] }));
}

interface Side {
  C: number;
  valAccuracy: number | null;
  top1: number;
  seconds: number;
}

function ours(l: Loaded, draw: Draw, precision: ProbePrecision): Side {
  const settings: ProbeSettings = { ...DEFAULT_PROBE_SETTINGS, precision, threads: availableParallelism() };
  const sample = { train: Int32Array.from(draw.train), val: Int32Array.from(draw.val), shortClasses: [] };
  const r = evaluateProbeSeed({ ...l.job, settings, seed: draw.seed, sample } as Parameters<typeof evaluateProbeSeed>[0]);
  const picked = r.sweep.filter((p) => Math.abs(Math.log10(p.C / r.C)) < 1e-9);
  return { C: r.C, valAccuracy: picked.length ? picked[0].valAccuracy : null, top1: r.metrics.top1, seconds: r.seconds };
}

function sklearn(dir: string, shots: number, seeds: number[], classes: number | undefined, at?: number[]): Side[] {
  const out = join(tmpdir(), `probe-search-${process.pid}.json`);
  const args = ['bench/dev/coop-search-exported.py', dir, '--shots', String(shots), '--seeds', seeds.join(','), '--json', out, ...(classes ? ['--classes', String(classes)] : []), ...(at ? ['--at', at.join(',')] : [])];
  const r = spawnSync(arg('--python', '/usr/bin/python3')!, args, { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`sklearn search failed (exit ${r.status}); is scikit-learn installed for /usr/bin/python3?`);
  return fromSklearnJson(out, seeds);
}

function fromSklearnJson(file: string, seeds: number[]): Side[] {
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { seeds: { seed: number; C: number; valAccuracy: number | null; top1: number; seconds: number }[] };
  return seeds.map((s) => {
    const hit = rec.seeds.find((x) => x.seed === s);
    if (!hit) throw new Error(`${file}: no result for seed ${s}`);
    return hit;
  });
}

interface Row {
  problem: string;
  seed: number;
  ours: Side;
  float64?: Side;
  sklearn?: Side;
  /** sklearn refitted at our chosen C (check (b)). */
  sklearnAtOurC?: number;
}

async function runProblem(problem: string, dir: string, seeds: number[] | null, rows: Row[], classes?: number): Promise<void> {
  const l = loadExport(dir, classes);
  const draws = l.draws.filter((d) => seeds === null || seeds.includes(d.seed));
  const mine: Row[] = [];
  for (const d of draws) {
    const row: Row = { problem, seed: d.seed, ours: ours(l, d, (arg('--precision', 'mixed') as ProbePrecision) ?? 'mixed') };
    console.error(`${problem} seed ${d.seed}: ours C=${row.ours.C.toPrecision(4)} top-1 ${(100 * row.ours.top1).toFixed(2)}% in ${row.ours.seconds.toFixed(1)} s`);
    if (flag('--float64')) row.float64 = ours(l, d, 'float64');
    mine.push(row);
  }
  if (!flag('--no-sklearn')) {
    const ss = draws.map((d) => d.seed);
    // --sklearn-json FILE: scikit-learn's complete search from an earlier coop-search-exported.py --json run
    // on the same export (at 345 classes it takes an hour), instead of running it again.
    const reuse = arg('--sklearn-json', null);
    const shots = draws[0].shots;
    if (draws.some((d) => d.shots !== shots)) throw new Error(`${dir}: draws of several shot counts; the sklearn side compares one (export one --shots value)`);
    const sk = reuse ? fromSklearnJson(reuse, ss) : sklearn(dir, shots, ss, classes);
    // Check (b): sklearn refitted at our C; where both searches chose the same C that is sklearn's own refit.
    const same = (i: number) => Math.abs(Math.log10(mine[i].ours.C / sk[i].C)) < 1e-9;
    const refit = mine.map((_, i) => i).filter((i) => !same(i));
    const at = refit.length ? sklearn(dir, shots, refit.map((i) => ss[i]), classes, refit.map((i) => mine[i].ours.C)) : [];
    mine.forEach((r, i) => Object.assign(r, { sklearn: sk[i], sklearnAtOurC: same(i) ? sk[i].top1 : at[refit.indexOf(i)].top1 }));
  }
  rows.push(...mine);
}

function table(rows: Row[]): string {
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : (100 * v).toFixed(2));
  const lines = [
    `load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} · ${availableParallelism()} cores · precision ${arg('--precision', 'mixed')}`,
    '| problem | seed | C ours | C sklearn | val ours | val sklearn | top-1 ours | top-1 sklearn | sklearn at our C | Δ at our C | s ours | s sklearn | ratio | s float64 |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const sk = r.sklearn;
    lines.push(
      `| ${r.problem} | ${r.seed} | ${r.ours.C.toPrecision(4)} | ${sk ? sk.C.toPrecision(4) : '–'} | ${pct(r.ours.valAccuracy)} | ${pct(sk?.valAccuracy)} | ${pct(r.ours.top1)} | ${pct(sk?.top1)} | ${pct(r.sklearnAtOurC)} | ${r.sklearnAtOurC === undefined ? '–' : (100 * (r.ours.top1 - r.sklearnAtOurC)).toFixed(2)} | ${r.ours.seconds.toFixed(1)} | ${sk ? sk.seconds.toFixed(1) : '–'} | ${sk ? (r.ours.seconds / sk.seconds).toFixed(2) : '–'} | ${r.float64 ? r.float64.seconds.toFixed(1) : '–'} |`,
    );
  }
  for (const p of [...new Set(rows.map((r) => r.problem))]) {
    const rs = rows.filter((r) => r.problem === p);
    const mean = (f: (r: Row) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
    const line = [`${p}: mean top-1 ours ${pct(mean((r) => r.ours.top1))}%`, `time ours ${mean((r) => r.ours.seconds).toFixed(1)} s/seed`];
    if (rs.every((r) => r.sklearn)) {
      const da = 100 * (mean((r) => r.ours.top1) - mean((r) => r.sklearn!.top1));
      const db = Math.max(...rs.map((r) => Math.abs(100 * (r.ours.top1 - r.sklearnAtOurC!))));
      line.push(`sklearn ${pct(mean((r) => r.sklearn!.top1))}% → (a) Δ ${da.toFixed(2)} (≤ 0.5: ${Math.abs(da) <= 0.5 ? 'PASS' : 'FAIL'})`);
      line.push(`(b) max |Δ at our C| ${db.toFixed(2)} (≤ 0.3: ${db <= 0.3 ? 'PASS' : 'FAIL'})`);
      line.push(`time ratio ${(mean((r) => r.ours.seconds) / mean((r) => r.sklearn!.seconds)).toFixed(2)} (≤ 0.5)`);
    }
    lines.push('', line.join(' · '));
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const quick = flag('--quick');
  const rows: Row[] = [];
  const exportDir = arg('--export', null);
  const seeds = arg('--seeds', quick ? '0' : null);
  const classes = arg('--classes', quick ? '60' : null);
  const K = classes === null ? undefined : Number(classes);
  if (exportDir) await runProblem(K ? `quickdraw 4-shot, first ${K} classes` : 'quickdraw 4-shot', exportDir, seeds === null ? null : seeds.split(',').map(Number), rows, K);
  // --synthetic KxS: seeded synthetic clusters of K classes × S shots, 512-d (e.g. 345x4: quickdraw's shape at CLIP ViT-B/32's width).
  const synth = arg('--synthetic', null);
  if (synth) {
    const m = /^(\d+)x(\d+)$/.exec(synth);
    if (!m) throw new Error(`--synthetic takes CLASSESxSHOTS, e.g. 345x4; got "${synth}"`);
    const [K, k] = [Number(m[1]), Number(m[2])];
    const dir = join('.cache', 'bench', `synthetic-${K}x${k}`);
    await writeSyntheticExport(dir, K, k, 0);
    await runProblem(`synthetic ${K} classes ${k}-shot 512-d`, dir, null, rows);
  }
  if (flag('--imagenet') || quick) {
    const [K, k] = quick ? [50, 4] : [1000, 16];
    const dir = join('.cache', 'bench', `synthetic-${K}x${k}`);
    await writeSyntheticExport(dir, K, k, 0);
    await runProblem(`synthetic ${K} classes ${k}-shot 512-d`, dir, null, rows);
  }
  const text = table(rows);
  console.log(text);
  const out = arg('--out', join('bench', 'results', quick ? 'probe-search-quick.json' : 'probe-search.json'))!;
  await writeFileAtomic(out, JSON.stringify({ measuredAt: new Date().toISOString(), loadavg: loadavg(), cores: availableParallelism(), rows, table: text }, null, 1));
  writeFileSync(out.replace(/\.json$/, '.md'), `${text}\n`);
}

if (isEntryPoint(import.meta.url)) await main();
