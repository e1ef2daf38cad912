/** The k-shot linear probe (CLIP A.3 / CoOp lpclip): L2-normalised features, C swept on the validation draw, refit on train + val. */
import { solverUsesC } from '../probe/index.ts';
import { fitLinearProbe, scoreProbe } from '../linear-probe.ts';
import { l2NormalizeRows } from '../normalize.ts';
import type { LabelledRows, Method } from './method.ts';

const normalized = (r: LabelledRows, dim: number) => ({ X: l2NormalizeRows(r.features, r.n, dim), y: r.labels, n: r.n });

export const LINEAR_PROBE: Method = {
  name: 'linear-probe',
  description: 'multinomial logistic regression on L2-normalised features; C from the grid, refined by bisection, on the validation draw (CLIP A.3)',
  needs: { labelledRows: true, zeroShotHead: false },
  grid: (settings): Record<string, readonly number[]> => (solverUsesC(settings.solver) ? { C: settings.grid } : {}),
  fit({ train, val, numClasses, dim, settings, onProgress }) {
    if (!train) throw new Error('linear-probe: needs labelled training rows');
    const v = val ? normalized(val, dim) : { X: new Float32Array(0), y: new Int32Array(0), n: 0 };
    const fit = fitLinearProbe(normalized(train, dim), v, dim, numClasses, settings, onProgress);
    const weights = fit.probe.weights!();
    const selection = fit.cSelection.method === 'fixed' ? `fixed: ${fit.cSelection.reason}` : fit.cSelection.method;
    return { score: (features, n) => scoreProbe(weights, features, n), chosen: { C: fit.C }, selection };
  },
};
