/**
 * Dev-only: where a probe's time goes, on one exported draw (`--export-features` output), the rows
 * gathered and normalised exactly as the harness does (`drawRows`). Single-threaded unless --threads.
 *
 *   npx tsx bench/dev/fit-profile.ts --seed 1 --C 1e4 --precision mixed            # one fit on the train rows
 *   npx tsx bench/dev/fit-profile.ts --seed 0 --search --warm --precision mixed     # the whole search + refit, a line per fit
 *
 * Add `node --cpu-prof` (via `node --cpu-prof --import tsx bench/dev/fit-profile.ts …`) for a profile.
 */
import { drawRows } from '../../src/evaluation/linear-probe.ts';
import { LogisticRegressionProbe } from '../../src/evaluation/probe/logistic-regression.ts';
import { concatProbeData, sweepC } from '../../src/evaluation/probe/sweep.ts';
import { loadExport } from '../probe-search.ts';

const arg = (n: string, f: string) => (process.argv.includes(n) ? process.argv[process.argv.indexOf(n) + 1] : f);
const l = loadExport(arg('--export', '.cache/bench/export/quickdraw'));
const seed = Number(arg('--seed', '1'));
const draw = l.draws.find((d) => d.seed === seed && d.shots === Number(arg('--shots', '4')));
if (!draw) throw new Error(`no draw for seed ${seed} in the export`);
const { dim: d, numClasses: K } = l.job;
const { train, val } = drawRows(l.job, { train: Int32Array.from(draw.train), val: Int32Array.from(draw.val), shortClasses: [] });
const precision = arg('--precision', 'mixed') as 'mixed' | 'float64';
const threads = Number(arg('--threads', '1'));
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

/** A probe that prints its fit: C, iterations (float32 part), how it stopped, seconds. */
function loggedProbe(C: number, init?: ReturnType<LogisticRegressionProbe['weights']>): LogisticRegressionProbe {
  const p = new LogisticRegressionProbe({ C, init, precision, threads });
  const fit = p.fit.bind(p);
  p.fit = (...a: Parameters<typeof p.fit>) => {
    const t = performance.now();
    const r = fit(...a);
    const info = p.fitInfo();
    console.log(`C=${C.toPrecision(4)} n=${a[2]} it=${info.iterations} f32=${info.float32Iterations} stop=${info.stop} ${secs(t)} s`);
    return r;
  };
  return p;
}

if (!process.argv.includes('--search')) {
  loggedProbe(Number(arg('--C', '1e4'))).fit(train.X, train.y, train.n, d, K);
} else {
  const warm = process.argv.includes('--warm');
  const t1 = performance.now();
  const res = sweepC(train, val, { d, numClasses: K, warmStart: warm, makeProbe: (C, init) => loggedProbe(C, init) });
  console.log(`chosen C=${res.C.toPrecision(4)} val=${(100 * res.valAccuracy).toFixed(2)}% fits=${res.fits} search ${secs(t1)} s`);
  const all = concatProbeData(train, val, d);
  loggedProbe(res.C, warm ? res.probe.weights!() : undefined).fit(all.X, all.y, all.n, d, K);
}
