/**
 * LP++ (Huang et al., CVPR 2024; FereshteShakeri/FewShot-CLIP-Strong-Baseline `methods/linear_probe_p2.py`):
 *   logits = W·f + b + α_c·(f·t_c)
 * with t_c the unit zero-shot class embeddings (no logit scale). As released: W starts at the per-class
 * feature sums (`compute_centroids`), b at nn.Linear's uniform(±1/√d) (here from a seeded stream), every α_c
 * at 250 × the mean over classes of the class-mean true-class text logit; full-batch SGD with momentum 0.9
 * on mean cross-entropy for W and b at lr_W = 4N / λ_max(FᵀF); α stepped every 10 epochs by
 * lr_α = N / (4·max_c Σ_i (f_i·t_c)²) times its gradient, which the released code never zeroes, so each
 * step uses the gradient summed over every epoch so far (kept here); 300 epochs; the epoch kept is the
 * last one with the best accuracy on the k-shot validation rows (`acc_val >= best_acc`).
 * Deviations: float64 instead of the GPU's float16/float32; λ_max by power iteration, not scipy's eigh;
 * the bias's initial draw comes from this harness's seeded generator, not torch's.
 * The fitted model is linear on normalised features (coef_c = W_c + α_c·t_c), so it is saved as a head.
 */
import type { LinearWeights } from '../probe/index.ts';
import { Rng, deriveSeed } from '../../util/rng.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { largestEigenvalueGram, productsTAuto, softmaxInPlace, top1 } from './linalg.ts';
import { linearScores } from '../probe/logistic-regression.ts';
import { linearHead } from './head.ts';
import { transpose } from '../similarity.ts';

export const LP_PP = { epochs: 300, momentum: 0.9, alphaEvery: 10, alphaInit: 250 };

/** The fitted LP++ model as a linear head on normalised features. */
export function lpppHead(W: Float64Array, b: Float64Array, alpha: Float64Array, T: Float32Array, K: number, d: number): LinearWeights {
  const coef = Float64Array.from(W);
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) coef[c * d + j] += alpha[c] * T[c * d + j];
  return { numClasses: K, numFeatures: d, coef, intercept: Float64Array.from(b) };
}

export const lpPlusPlus: FewShotMethod = {
  fit(ctx): FittedMethod {
    const { train, val, numClasses: K, d } = ctx;
    const N = train.n;
    const T = ctx.zeroShot.W;
    const F = train.X;
    const TL = productsTAuto(F, N, Float64Array.from(T), K, d);
    const Ft = transpose(F, N, d, new Float64Array(N * d));
    // W: per-class feature sums; α: 250 × mean over classes of the class-mean text logit of the true class.
    const W = new Float64Array(K * d);
    const count = new Float64Array(K);
    const classMean = new Float64Array(K);
    for (let i = 0; i < N; i++) {
      const c = train.y[i];
      count[c]++;
      classMean[c] += TL[i * K + c];
      for (let j = 0; j < d; j++) W[c * d + j] += F[i * d + j];
    }
    const present = [...count.keys()].filter((c) => count[c] > 0);
    const alpha0 = (LP_PP.alphaInit * present.reduce((a, c) => a + classMean[c] / count[c], 0)) / present.length;
    const alpha = new Float64Array(K).fill(alpha0);
    const rng = new Rng(deriveSeed(ctx.seed, 'lp++/bias'));
    const bound = 1 / Math.sqrt(d);
    const b = Float64Array.from({ length: K }, () => (2 * rng.next() - 1) * bound);
    const lrW = (4 * N) / largestEigenvalueGram(F, N, d);
    let maxSq = 0;
    for (let c = 0; c < K; c++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += TL[i * K + c] ** 2;
      maxSq = Math.max(maxSq, s);
    }
    const lrAlpha = N / (4 * maxSq);
    const vW = new Float64Array(K * d);
    const vb = new Float64Array(K);
    const gAlpha = new Float64Array(K);
    const Z = new Float64Array(N * K);
    const GT = new Float32Array(K * N);
    let best = -1;
    let bestEpoch = LP_PP.epochs - 1;
    let kept = lpppHead(W, b, alpha, T, K, d);
    for (let epoch = 0; epoch < LP_PP.epochs; epoch++) {
      // Large products on the project's GEMM (onnxruntime float64, float32 results); small ones in float64 JS.
      const FW = productsTAuto(F, N, W, K, d);
      for (let i = 0; i < N; i++) for (let c = 0; c < K; c++) Z[i * K + c] = FW[i * K + c] + b[c] + alpha[c] * TL[i * K + c];
      softmaxInPlace(Z, N, K);
      for (let i = 0; i < N; i++) Z[i * K + train.y[i]] -= 1;
      for (let t = 0; t < Z.length; t++) Z[t] /= N;
      for (let i = 0; i < N; i++) for (let c = 0; c < K; c++) GT[c * N + i] = Z[i * K + c];
      const gW = productsTAuto(GT, K, Ft, d, N);
      for (let c = 0; c < K; c++) {
        let gb = 0;
        let ga = 0;
        for (let i = 0; i < N; i++) (gb += Z[i * K + c]), (ga += Z[i * K + c] * TL[i * K + c]);
        vb[c] = LP_PP.momentum * vb[c] + gb;
        b[c] -= lrW * vb[c];
        gAlpha[c] += ga;
      }
      for (let t = 0; t < W.length; t++) {
        vW[t] = LP_PP.momentum * vW[t] + gW[t];
        W[t] -= lrW * vW[t];
      }
      if ((epoch + 1) % LP_PP.alphaEvery === 0) for (let c = 0; c < K; c++) alpha[c] -= lrAlpha * gAlpha[c];
      if (val.n > 0) {
        const head = lpppHead(W, b, alpha, T, K, d);
        const acc = top1(linearScores(head, val.X, val.n), val.y, K);
        if (acc >= best) (best = acc), (bestEpoch = epoch), (kept = head);
      }
    }
    if (val.n === 0) kept = lpppHead(W, b, alpha, T, K, d);
    return {
      head: linearHead(kept),
      hyperparameters: { epoch: bestEpoch + 1, alphaInit: alpha0, lrW, lrAlpha },
      selection: val.n > 0 ? 'validation' : 'fixed',
      ...(val.n > 0 ? {} : { note: `no validation rows: the last of ${LP_PP.epochs} epochs kept` }),
    };
  },
};
