/**
 * Seeded synthetic class-clustered features at many classes (the probe search's ImageNet-shaped problem,
 * issue 18), L2-normalised like CLIP image embeddings. Per example of class c:
 *   shared + dir_c + Σ_{c' ∈ confusers(c)} z·dir_c' + Σ_f z_f·factor_f + noise,
 * with a mean direction every feature shares (CLIP features are far from centred), a few fixed confuser
 * classes per class (irreducible confusion between related classes, as dog breeds in ImageNet), 32
 * nuisance factors shared by all classes and isotropic noise. With the defaults, 1,000 classes × 16 shots,
 * a nearest-class-mean classifier scores 59% on held-out rows (measured): far below 100%, in the range of
 * CLIP ViT-B/32's 16-shot ImageNet linear probes.
 * O(d·(confusers + factors)) per row, so 30,000 rows take about a second (bench/probe-grid.ts's
 * generator mixes every class into every row: O(K·d), too slow at K = 1,000).
 */
import { deriveSeed, Rng } from '../src/util/rng.ts';

export interface ClusterOptions {
  seed: number;
  numClasses: number;
  d: number;
  separation?: number;
  noise?: number;
  confusers?: number;
  overlap?: number;
  nuisance?: number;
}

export function syntheticClassClusters(o: ClusterOptions): { make: (split: string, perClass: number) => { X: Float32Array; y: Int32Array; n: number } } {
  const { numClasses: K, d } = o;
  const separation = o.separation ?? 1.5;
  const noise = o.noise ?? 1.5;
  const nConf = Math.min(o.confusers ?? 6, K - 1);
  const overlap = o.overlap ?? 0.7;
  const nuisance = o.nuisance ?? 0.3;
  const rng = new Rng(deriveSeed(o.seed, 'clusters/structure'));
  const unit = () => Float64Array.from({ length: d }, () => rng.normal() / Math.sqrt(d));
  const shared = unit().map((v) => 2 * v);
  const dir = Array.from({ length: K }, () => unit().map((v) => separation * v));
  // Other classes only: c + 1 … c + K − 1 (mod K).
  const confusers = Array.from({ length: K }, (_, c) => Array.from({ length: nConf }, () => (c + 1 + Math.floor(rng.next() * (K - 1))) % K));
  const factors = Array.from({ length: 32 }, () => unit().map((v) => nuisance * v));
  const make = (split: string, perClass: number) => {
    const r = new Rng(deriveSeed(o.seed, `clusters/${split}`));
    const n = perClass * K;
    const X = new Float32Array(n * d);
    const y = new Int32Array(n);
    const v = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const c = i % K;
      y[i] = c;
      for (let j = 0; j < d; j++) v[j] = shared[j] + dir[c][j] + (noise * r.normal()) / Math.sqrt(d);
      for (const c2 of confusers[c]) {
        const z = overlap * r.normal();
        for (let j = 0; j < d; j++) v[j] += z * dir[c2][j];
      }
      for (const f of factors) {
        const z = r.normal();
        for (let j = 0; j < d; j++) v[j] += z * f[j];
      }
      let ss = 0;
      for (let j = 0; j < d; j++) ss += v[j] * v[j];
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < d; j++) X[i * d + j] = v[j] * inv;
    }
    return { X, y, n };
  };
  return { make };
}
