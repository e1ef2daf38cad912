import { l2NormalizeRows } from '../../../src/evaluation/normalize.ts';
import { Rng } from '../../../src/util/rng.ts';
import type { FeatureRows, MethodContext } from '../../../src/evaluation/methods/types.ts';
import { DEFAULT_PROBE_SETTINGS } from '../../../src/evaluation/linear-probe.ts';
import { probeFactory } from '../../../src/evaluation/probe/index.ts';

/** K clustered classes in d dims: class means near (but not on) the text embeddings, so zero-shot is decent and shots help. */
export function toyProblem(K: number, d: number, seed: number, perClass: { train: number; val: number; test: number }) {
  const rng = new Rng(seed);
  const mu = l2NormalizeRows(Float32Array.from({ length: K * d }, () => rng.normal()), K, d);
  const text = l2NormalizeRows(Float32Array.from(mu, (v) => v + 0.6 * rng.normal() / Math.sqrt(d) * 4), K, d);
  const rows = (per: number): FeatureRows => {
    const n = K * per;
    const X = new Float32Array(n * d);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % K;
      for (let j = 0; j < d; j++) X[i * d + j] = mu[y[i] * d + j] + 0.35 * rng.normal();
    }
    return { X: l2NormalizeRows(X, n, d), y, n };
  };
  return { text, train: rows(perClass.train), val: rows(perClass.val), test: rows(perClass.test) };
}

export function contextFor(p: ReturnType<typeof toyProblem>, K: number, d: number, scale = 100, C = 1): MethodContext {
  const makeProbe = probeFactory('lbfgs', { maxIter: 1000 });
  const fitProbe = (c: number, rows: FeatureRows) => makeProbe(c).fit(rows.X, rows.y, rows.n, d, K).weights!();
  const all: FeatureRows = { X: Float32Array.from([...p.train.X, ...p.val.X]), y: Int32Array.from([...p.train.y, ...p.val.y]), n: p.train.n + p.val.n };
  return { train: p.train, val: p.val, d, numClasses: K, zeroShot: { W: p.text, scale }, probe: { weights: fitProbe(C, all), C }, fitProbe, settings: DEFAULT_PROBE_SETTINGS, seed: 0 };
}
