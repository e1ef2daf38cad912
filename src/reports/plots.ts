/** Every plot of one run, as named PNGs: the list the files and the HTML report are both made from. */
import { plural } from '../util/plural.ts';
import type { BenchResults } from '../results/schema.ts';
import { renderDeltaBars, renderShotsToMatch } from './charts/across-datasets.ts';
import { renderConfusion } from './charts/confusion.ts';
import { renderFewShot, singleRunSeries } from './charts/few-shot.ts';
import { renderPerClass } from './charts/per-class.ts';
import { cleanDatasets, datasetLabel, datasetSlug, largestProbe, probeConfusion, probeKind, shiftedOf, shiftSuite, shotsLabel, zeroShotMetrics } from './select.ts';
import { renderShifts } from './charts/shifts.ts';
import { robustnessPlots } from './charts/robustness-plots.ts';
import type { Plot } from './plot.ts';
import { renderWiseCurve, wiseCurves } from './charts/wise-curve.ts';

const seedsText = (n: number) => plural(n, 'seed');

export function runPlots(r: BenchResults): Plot[] {
  const plots: Plot[] = [];
  const model = `${r.model.name}${r.model.demo ? ' (demo model, not CLIP)' : ''}`;
  for (const ds of cleanDatasets(r)) {
    const label = datasetLabel(ds);
    const base = datasetSlug(ds);
    const zs = zeroShotMetrics(ds);
    const n = zs?.n ?? ds.probes[0]?.perSeed[0].metrics.n;
    const sub = [
      `${model}; top-1 on ${n} test images, ${ds.classes.length} classes`,
      `probe: mean over ${seedsText(r.protocol.seeds.length)}, band = 95% bootstrap CI${ds.zeroShot.templates ? `; zero-shot: ${plural(ds.zeroShot.templates.length, 'prompt template')}` : ''}`,
    ];
    if (ds.probes.length || zs) {
      plots.push({ file: `${base}-few-shot.png`, dataset: label, caption: `${label}: top-1 against shots per class`, png: renderFewShot(ds.methods?.length ? `${label}: zero-shot vs few-shot methods` : `${label}: zero-shot vs few-shot linear probe`, sub, singleRunSeries(ds)) });
    }
    const perClass = renderPerClass(ds, `${label}: per-class accuracy`);
    if (perClass) plots.push({ file: `${base}-per-class.png`, dataset: label, caption: `${label}: per-class top-1`, png: perClass });
    if (zs) {
      plots.push({ file: `${base}-confusion-zero-shot.png`, dataset: label, pair: true, caption: `${label}: zero-shot confusion matrix`, png: renderConfusion({ title: `${label}: zero-shot confusion`, subtitle: `${model}; row-normalised, % of each true class`, classes: ds.classes, counts: zs.confusion }) });
    }
    const p = largestProbe(ds);
    if (p) {
      const k = shotsLabel(p.shots);
      plots.push({ file: `${base}-confusion-${k}-shot.png`, dataset: label, pair: true, caption: `${label}: ${probeKind(p.shots)} probe confusion matrix`, png: renderConfusion({ title: `${label}: ${probeKind(p.shots)} linear probe confusion`, subtitle: `${model}; counts summed over ${seedsText(p.perSeed.length)}, row-normalised`, classes: ds.classes, counts: probeConfusion(p) }) });
    }
    const shifted = shiftedOf(r, ds);
    if (shifted.length) {
      plots.push({ file: `${base}-shifts.png`, dataset: label, shifts: true, caption: `${label}: top-1 under each distribution shift`, png: renderShifts(ds, shifted, `${label}: accuracy under distribution shift`, `${model}; ${[...new Set(shifted.map(shiftSuite))].join('; ')}`) });
      plots.push(...robustnessPlots(r, ds, model));
      const wise = wiseCurves(ds, shifted);
      if (wise?.length)
        plots.push({ file: `${base}-wise-curve.png`, dataset: label, shifts: true, caption: `${label}: WiSE curve, clean against mean shifted top-1 for α = 0 … 1`, png: renderWiseCurve(`${label}: WiSE interpolation, zero-shot → linear probe`, [`${model}; mean over ${seedsText(r.protocol.seeds.length)}; shifted = mean over ${plural(shifted.length, 'shifted test set')}`], wise) });
    }
  }
  const delta = renderDeltaBars(cleanDatasets(r), model);
  if (delta) plots.push({ file: 'zero-shot-minus-probe.png', dataset: null, caption: 'zero-shot minus k-shot probe per dataset', png: delta });
  const match = renderShotsToMatch(cleanDatasets(r), model);
  if (match) plots.push({ file: 'shots-to-match-zero-shot.png', dataset: null, caption: 'shots per class to match zero-shot', png: match });
  return plots;
}
