/**
 * Tip-Adapter-F (Zhang et al., ECCV 2022; gaopengcuhk/Tip-Adapter `main.py` `run_tip_adapter_F`): the cache
 * keys become a learnable linear layer (initialised at the k-shot features, not re-normalised while
 * training), trained on mean cross-entropy of s·f·W_zsᵀ + α·exp(−β(1 − f·Kᵀ))·L at the configs' init α, β
 * with AdamW (lr 0.001, eps 1e-4, torch's default weight decay 0.01 and betas), a cosine schedule over all
 * 20 epochs' steps (stepped per batch), batches of 256 in a seeded shuffle; the gradient is analytic. The
 * epoch kept is the one with the best validation accuracy (strict improvement; the original picks it on the
 * test set), then α and β are searched on validation as for Tip-Adapter, on the fine-tuned keys.
 * Deviations: the original's keys average 10 augmented views of each training image and its training
 * batches are freshly augmented; cached features have one view. A last partial batch is kept.
 */
import { Rng, deriveSeed } from '../../util/rng.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { productsT, crossEntropyResidual, top1 } from './linalg.ts';
import { transpose } from '../similarity.ts';
import { fitTipHead, TIP_ADAPTER_INIT, tipAdapterLogits, type TipHead } from './tip-adapter.ts';

export const TIP_ADAPTER_F = { lr: 0.001, eps: 1e-4, weightDecay: 0.01, betas: [0.9, 0.999] as const, epochs: 20, batch: 256 };

/** Mean CE of one batch at fixed (α, β) and its gradient in the keys [N, d] (into g). */
export function tipFLossGrad(head: TipHead, X: Float32Array, y: Int32Array, B: number, alpha: number, beta: number, g: Float64Array): number {
  const { cache, K, d } = head;
  const N = cache.N;
  const zs = productsT(X, B, head.W, K, d);
  const aff = productsT(X, B, cache.keys, N, d);
  const E = new Float64Array(B * N);
  const Z = new Float64Array(B * K);
  for (let i = 0; i < B; i++) {
    for (let c = 0; c < K; c++) Z[i * K + c] = head.scale * zs[i * K + c];
    for (let j = 0; j < N; j++) Z[i * K + cache.labels[j]] += alpha * (E[i * N + j] = Math.exp(-beta * (1 - aff[i * N + j])));
  }
  const loss = crossEntropyResidual(Z, y, B, K);
  // ∂loss/∂a_ij = α·β·E_ij·G_i,label(j) / B; ∂loss/∂k_j = Σ_i ∂loss/∂a_ij · f_i, as Aᵀ·F = (Aᵀ)(Fᵀ)ᵀ.
  const AT = new Float32Array(N * B);
  for (let i = 0; i < B; i++) for (let j = 0; j < N; j++) AT[j * B + i] = (alpha * beta * E[i * N + j] * Z[i * K + cache.labels[j]]) / B;
  const grad = productsT(AT, N, transpose(X, B, d), d, B);
  for (let t = 0; t < g.length; t++) g[t] = grad[t];
  return loss;
}

export const tipAdapterF: FewShotMethod = {
  fit(ctx): FittedMethod {
    const { train, val, d, numClasses: K } = ctx;
    const N = train.n;
    const { alpha, beta } = TIP_ADAPTER_INIT;
    const keys = Float32Array.from(train.X);
    const head: TipHead = { cache: { keys, labels: train.y, N }, W: ctx.zeroShot.W, scale: ctx.zeroShot.scale, K, d };
    const { lr, eps, weightDecay, betas, epochs, batch } = TIP_ADAPTER_F;
    const steps = Math.ceil(N / batch);
    const total = epochs * steps;
    const m = new Float64Array(N * d);
    const v = new Float64Array(N * d);
    const g = new Float64Array(N * d);
    const rng = new Rng(deriveSeed(ctx.seed, 'tip-adapter-f/batches'));
    const Xb = new Float32Array(batch * d);
    let t = 0;
    let best = 0;
    let bestEpoch = 0;
    let bestKeys = Float32Array.from(keys);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(N);
      for (let start = 0; start < N; start += batch) {
        const B = Math.min(batch, N - start);
        for (let i = 0; i < B; i++) Xb.set(train.X.subarray(order[start + i] * d, (order[start + i] + 1) * d), i * d);
        const yb = Int32Array.from({ length: B }, (_, i) => train.y[order[start + i]]);
        tipFLossGrad(head, Xb.subarray(0, B * d), yb, B, alpha, beta, g);
        const rate = (lr * (1 + Math.cos((Math.PI * t) / total))) / 2;
        t++;
        const c1 = 1 - betas[0] ** t;
        const c2 = 1 - betas[1] ** t;
        for (let o = 0; o < keys.length; o++) {
          let p = keys[o] * (1 - rate * weightDecay);
          m[o] = betas[0] * m[o] + (1 - betas[0]) * g[o];
          v[o] = betas[1] * v[o] + (1 - betas[1]) * g[o] * g[o];
          p -= (rate * (m[o] / c1)) / (Math.sqrt(v[o] / c2) + eps);
          keys[o] = p;
        }
      }
      if (val.n > 0) {
        const acc = top1(tipAdapterLogits(head, val.X, val.n, alpha, beta), val.y, K);
        if (acc > best) (best = acc), (bestEpoch = epoch + 1), (bestKeys = Float32Array.from(keys));
      }
    }
    if (val.n === 0) bestKeys = Float32Array.from(keys);
    const tuned: TipHead = { ...head, cache: { keys: bestKeys, labels: train.y, N } };
    const fit = fitTipHead(tuned, ctx);
    return { ...fit, hyperparameters: { ...fit.hyperparameters, epoch: bestEpoch } };
  },
};
