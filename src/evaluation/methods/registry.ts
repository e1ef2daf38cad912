/**
 * The few-shot methods, as data (STYLE: registries are data tables): name → the file that implements
 * it, a description and the hyperparameters it chooses. The pipeline never names a method; adding one
 * is one file and one entry here. zero-shot and linear-probe are entries too: they are the baselines
 * every run scores (the zero-shot step and CLIP A.3's probe), kept in their own results fields.
 */
import { UserError } from '../../util/errors.ts';
import type { FewShotMethod } from './types.ts';
import { tipAdapter } from './tip-adapter.ts';
import { wise } from './wise.ts';
import { tipAdapterF } from './tip-adapter-f.ts';
import { lpPlusPlus } from './lp-plus-plus.ts';
import { clap } from './clap.ts';
import { zsAnchoredProbe } from './zs-anchored-probe.ts';

export interface MethodEntry {
  name: string;
  description: string;
  /** The hyperparameters it chooses and over what, in words (help and docs). */
  grid: string;
  /** 'baseline': always run by its own step; else the method's implementation. */
  impl: 'baseline' | FewShotMethod;
  /** Needs the zero-shot head (a text tower). */
  needsZeroShot: boolean;
  /** Needs the draw's fitted linear probe (so it is fitted after it, on the same thread). */
  needsProbe?: boolean;
  /**
   * Scheduling only: its fit time relative to the others (per-seed seconds on quickdraw 4-shot, 345
   * classes, measured 2026-12-07), so the probe pool starts the long fits first. Changes no result.
   */
  fitCost?: number;
}

export const METHODS: readonly MethodEntry[] = [
  { name: 'zero-shot', description: 'prompt-ensembled zero-shot head, s·f·W_zsᵀ (CLIP §3.1.4)', grid: 'none', impl: 'baseline', needsZeroShot: true },
  { name: 'linear-probe', description: 'L2 logistic regression on normalised features (CLIP A.3)', grid: 'C: CoOp grid 1e6…1e-6 + 8 bisection steps on validation, refit on train+val', impl: 'baseline', needsZeroShot: false },
  { name: 'tip-adapter', description: 'training-free cache model over the k-shot features (Zhang et al. 2022)', grid: 'β: 200 steps in [0.1, 7), α: 20 steps in [0.1, 3), on validation', impl: tipAdapter, needsZeroShot: true, fitCost: 1 },
  { name: 'tip-adapter-f', description: 'Tip-Adapter with the cache keys fine-tuned by AdamW, 20 epochs (Zhang et al. 2022)', grid: 'epoch on validation, then β, α as tip-adapter', impl: tipAdapterF, needsZeroShot: true, fitCost: 45 },
  { name: 'lp++', description: 'linear probe plus per-class text-logit weights, data-driven step sizes (Huang et al. 2024)', grid: 'epoch (of 300) on validation, as released', impl: lpPlusPlus, needsZeroShot: true, fitCost: 70 },
  { name: 'clap', description: 'zero-shot-initialised prototypes with a class-wise pull to the text embeddings (Silva-Rodríguez et al. 2024)', grid: 'none (validation-free by design)', impl: clap, needsZeroShot: true, fitCost: 85 },
  { name: 'zs-anchored-probe', description: 'logistic regression with the L2 penalty pulling W towards s·W_zs instead of 0', grid: 'C: the linear probe\'s CLIP A.3 search on validation, refit on train+val', impl: zsAnchoredProbe, needsZeroShot: true, fitCost: 225 },
  { name: 'wise', description: 'WiSE-FT interpolation of the zero-shot head and the probe (Wortsman et al. 2022)', grid: 'α ∈ {0, 0.1, …, 1} on validation; every α scored', impl: wise, needsZeroShot: true, needsProbe: true, fitCost: 7 },
];

export const DEFAULT_METHODS = ['zero-shot', 'linear-probe'] as const;

export function findMethod(name: string): MethodEntry | undefined {
  return METHODS.find((m) => m.name === name);
}

/** `--methods a,b,…` or `all` → entries in registry order; an unknown name is a UserError listing the valid ones. */
export function parseMethods(spec: string, flag = '--methods'): MethodEntry[] {
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserError(`${flag} needs a list of methods (valid: ${METHODS.map((m) => m.name).join(', ')}, or all)`);
  for (const n of names) if (n !== 'all' && !findMethod(n)) throw new UserError(`${flag}: unknown method "${n}"; valid: ${METHODS.map((m) => m.name).join(', ')}, or all`);
  if (names.includes('all')) return [...METHODS];
  return METHODS.filter((m) => names.includes(m.name));
}
