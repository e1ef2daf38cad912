/**
 * CLAP (Silva-Rodríguez et al., CVPR 2024; jusiro/CLAP `trainers/adapters.py`, config
 * `configs/trainers/SGD_lr1e-1_B256_ep300.yaml`): a linear probe of class prototypes w_c initialised at the
 * zero-shot class embeddings t_c, logits = s·cos(f, w_c), trained on
 *   CE + mean_c(λ_c·‖w_c − t_c‖²)
 * with λ_c the zero-shot softmax probability of the true class averaged over class c's support rows
 * (`init_lagrangian_multipliers`, the "l2" constraint). Validation-free by design: nothing is chosen.
 * Schedule as released: SGD (dassl: momentum 0.9, no weight decay), lr 0.1 with cosine annealing over 300
 * epochs stepped per epoch, the first epoch at the constant warm-up lr 1e-5, batches of 256 in a seeded
 * shuffle. Deviations: the original trains on 20 augmented passes over the support set (cached features
 * have one view, so an epoch here has 20× fewer steps); its t_c is the unnormalised mean of the
 * templates' text features, here the unit prompt-ensembled class embedding; a class without support
 * rows (the original would divide by zero) gets λ_c = 1. The result is a linear head s·w_c/‖w_c‖.
 */
import type { LinearWeights } from '../probe/index.ts';
import { Rng, deriveSeed } from '../../util/rng.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { gemmT, productsTAuto, crossEntropyResidual, softmaxInPlace } from './linalg.ts';
import { linearHead } from './head.ts';
import { transpose } from '../similarity.ts';

export const CLAP = { epochs: 300, lr: 0.1, warmupLr: 1e-5, momentum: 0.9, batch: 256 };

/** lr of epoch e: the constant warm-up epoch, then CosineAnnealingLR(T_max = epochs) stepped once per epoch. */
export const clapLr = (e: number) => (e === 0 ? CLAP.warmupLr : (CLAP.lr * (1 + Math.cos((Math.PI * e) / CLAP.epochs))) / 2);

/** λ_c: mean zero-shot probability of the true class over class c's support rows. */
export function clapMultipliers(zsLogits: Float64Array, y: Int32Array, n: number, K: number): Float64Array {
  const P = Float64Array.from(zsLogits);
  softmaxInPlace(P, n, K);
  const sum = new Float64Array(K);
  const count = new Float64Array(K);
  for (let i = 0; i < n; i++) (sum[y[i]] += P[i * K + y[i]]), count[y[i]]++;
  return Float64Array.from(sum, (s, c) => (count[c] > 0 ? s / count[c] : 1));
}

function unitHead(W: Float64Array, scale: number, K: number, d: number): LinearWeights {
  const coef = new Float64Array(K * d);
  for (let c = 0; c < K; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += W[c * d + j] ** 2;
    const inv = s > 0 ? scale / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) coef[c * d + j] = W[c * d + j] * inv;
  }
  return { numClasses: K, numFeatures: d, coef, intercept: new Float64Array(K) };
}

/**
 * One batch's loss, mean CE of s·cos(f, w_c) + mean_c(λ_c·‖w_c − t_c‖²), and its gradient in W (into g).
 * ∂CE/∂ŵ_c = s/B·Σ_i (p_ic − y_ic) f_i; through ŵ = w/‖w‖ it is (I − ŵŵᵀ)/‖w‖ times that; the penalty adds 2λ_c(w_c − t_c)/K.
 */
export function clapLossGrad(W: Float64Array, X: Float32Array, y: Int32Array, B: number, T: Float64Array, lambda: Float64Array, s: number, K: number, d: number, g: Float64Array): number {
  const head = unitHead(W, 1, K, d);
  const Z = productsTAuto(X.subarray(0, B * d), B, head.coef, K, d);
  for (let t = 0; t < Z.length; t++) Z[t] *= s;
  let loss = crossEntropyResidual(Z, y, B, K);
  const GT = new Float32Array(K * B);
  for (let i = 0; i < B; i++) for (let c = 0; c < K; c++) GT[c * B + i] = (s * Z[i * K + c]) / B;
  const gHat = productsTAuto(GT, K, transpose(X, B, d, new Float64Array(B * d)), d, B);
  for (let c = 0; c < K; c++) {
    let norm = 0;
    let dotHat = 0;
    let pen = 0;
    for (let j = 0; j < d; j++) norm += W[c * d + j] ** 2;
    norm = Math.sqrt(norm);
    for (let j = 0; j < d; j++) dotHat += head.coef[c * d + j] * gHat[c * d + j];
    for (let j = 0; j < d; j++) {
      const o = c * d + j;
      pen += (W[o] - T[o]) ** 2;
      g[o] = (gHat[o] - head.coef[o] * dotHat) / norm + ((2 * lambda[c]) / K) * (W[o] - T[o]);
    }
    loss += (lambda[c] * pen) / K;
  }
  return loss;
}

export const clap: FewShotMethod = {
  fit(ctx): FittedMethod {
    const { train, numClasses: K, d } = ctx;
    const s = ctx.zeroShot.scale;
    const T = Float64Array.from(ctx.zeroShot.W);
    const N = train.n;
    const zs = gemmT(train.X, N, T, K, d);
    for (let t = 0; t < zs.length; t++) zs[t] *= s;
    const lambda = clapMultipliers(zs, train.y, N, K);
    const W = Float64Array.from(T);
    const v = new Float64Array(K * d);
    const g = new Float64Array(K * d);
    const rng = new Rng(deriveSeed(ctx.seed, 'clap/batches'));
    const Xb = new Float32Array(CLAP.batch * d);
    const yb = (order: Int32Array, start: number, B: number) => Int32Array.from({ length: B }, (_, i) => train.y[order[start + i]]);
    for (let epoch = 0; epoch < CLAP.epochs; epoch++) {
      const lr = clapLr(epoch);
      const order = rng.permutation(N);
      for (let start = 0; start < N; start += CLAP.batch) {
        const B = Math.min(CLAP.batch, N - start);
        for (let i = 0; i < B; i++) Xb.set(train.X.subarray(order[start + i] * d, (order[start + i] + 1) * d), i * d);
        clapLossGrad(W, Xb, yb(order, start, B), B, T, lambda, s, K, d, g);
        for (let t = 0; t < W.length; t++) {
          v[t] = CLAP.momentum * v[t] + g[t];
          W[t] -= lr * v[t];
        }
      }
    }
    const linear = unitHead(W, s, K, d);
    return {
      head: linearHead(linear),
      hyperparameters: { lambdaMean: lambda.reduce((a, x) => a + x, 0) / K, epochs: CLAP.epochs },
      selection: 'none',
    };
  },
};
