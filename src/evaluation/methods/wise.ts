/**
 * WiSE-FT's weight-space ensembling (Wortsman et al., CVPR 2022; mlfoundations/wise-ft `_merge`) of two
 * linear heads on normalised features: the zero-shot head written as wise-ft's `ClassificationHead`
 * (W = s·W_zs, b = 0) and the linear probe (W_p, b_p):
 *   W(α) = (1 − α)·s·W_zs + α·W_p,   b(α) = α·b_p,   α ∈ {0, 0.1, …, 1}.
 * Every α is scored on every test set (the curve); the α reported is the one best on validation. The
 * probe of record was refit on train + val (CLIP A.3), so validation cannot judge it: α is chosen with
 * a probe fitted on the train rows alone at the same C, then applied to the refit probe, as A.3
 * chooses C on val before refitting. Without validation rows α = 0.5 (wise-ft's usual mixing).
 */
import type { LinearWeights } from '../probe/index.ts';
import type { FewShotMethod, FittedMethod } from './types.ts';
import { top1, zeroShotLinear } from './linalg.ts';
import { linearScores } from '../probe/logistic-regression.ts';
import { linearHead } from './head.ts';

export const WISE_ALPHAS: readonly number[] = Array.from({ length: 11 }, (_, i) => i / 10);
export const WISE_DEFAULT_ALPHA = 0.5;

/** The interpolated head at α (α = 0 is exactly the zero-shot head, α = 1 exactly the probe). */
export function wiseHead(zs: LinearWeights, probe: LinearWeights, alpha: number): LinearWeights {
  const coef = Float64Array.from(zs.coef, (v, i) => (1 - alpha) * v + alpha * probe.coef[i]);
  // α·(−∞) is −∞ for α > 0, but 0·(−∞) is NaN: at α = 0 the bias is the zero-shot head's, 0.
  const intercept = Float64Array.from(probe.intercept, (b) => (alpha === 0 ? 0 : alpha * b));
  return { numClasses: zs.numClasses, numFeatures: zs.numFeatures, coef, intercept };
}

export const wise: FewShotMethod = {
  fit(ctx): FittedMethod {
    const probe = ctx.probe;
    if (!probe) throw new Error('wise: needs the draw\'s linear probe (registry needsProbe)');
    const zs = zeroShotLinear(ctx.zeroShot.W, ctx.zeroShot.scale, ctx.numClasses, ctx.d);
    let alpha = WISE_DEFAULT_ALPHA;
    if (ctx.val.n > 0) {
      // The search's own train-only fit at C when it ran (no second fit), else one at the probe's C.
      const trainOnly = probe.trainWeights ?? ctx.fitProbe(probe.C, ctx.train);
      let best = -1;
      for (const a of WISE_ALPHAS) {
        const acc = top1(linearScores(wiseHead(zs, trainOnly, a), ctx.val.X, ctx.val.n), ctx.val.y, ctx.numClasses);
        if (acc > best) (best = acc), (alpha = a);
      }
    }
    const points = WISE_ALPHAS.map((value) => ({ value, head: linearHead(wiseHead(zs, probe.weights, value)) }));
    const chosen = points.find((p) => p.value === alpha)!;
    return {
      head: chosen.head,
      hyperparameters: { alpha, C: probe.C },
      selection: ctx.val.n > 0 ? 'validation' : 'fixed',
      ...(ctx.val.n > 0 ? {} : { note: `no validation rows: α = ${WISE_DEFAULT_ALPHA}` }),
      curve: { parameter: 'alpha', points },
    };
  },
};
