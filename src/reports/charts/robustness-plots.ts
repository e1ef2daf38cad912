/**
 * The robustness plots of one clean test set, for its distribution-shift section: top-1 against severity
 * per corruption, mean top-1 per corruption, and one logit-axis scatter per robustness record (the
 * corruption suite, each natural shift): CLIP Fig. 13/14 on this run's data.
 */
import type { BenchResults, DatasetResult, RobustnessRecord } from '../../results/schema.ts';
import { plural } from '../../util/plural.ts';
import type { Plot } from '../plot.ts';
import { datasetLabel, datasetSlug, isCorruptionRecord, probeKind, robustnessOf, shiftedOf, slug } from '../select.ts';
import { largestProbeMethod, renderCorruptionBars } from './corruption-bars.ts';
import { renderRobustnessScatter, scatterData, scatterNotes } from './robustness-scatter.ts';
import { renderSeverity, severityPanels } from './severity.ts';

/** What a record's shifted accuracy is: the mean over its test sets, or the one natural shift. */
const shiftedText = (rob: RobustnessRecord) => (rob.shifts.length === 1 ? rob.shifts[0] : `mean over ${plural(rob.shifts.length, 'shifted test set')}`);

/** File-name part of a record: `corruptions`, or the natural shift's label. */
const recordSlug = (rob: RobustnessRecord) => (isCorruptionRecord(rob) ? 'corruptions' : slug(rob.shifts.join('-')));

/** A natural shift to a dataset the model declares it was trained on: zero-shot there is not transfer. */
function inDomainNote(r: BenchResults, shifted: DatasetResult[], rob: RobustnessRecord): string | null {
  const info = shifted.find((d) => d.shift === rob.shifts[0])?.shiftInfo;
  if (rob.shifts.length !== 1 || info?.kind !== 'natural' || !r.model.trainedOn.includes(info.target)) return null;
  return `zero-shot is in-domain here: ${r.model.name} was trained on ${info.target}'s labels, so its point is not transfer`;
}

export function robustnessPlots(r: BenchResults, ds: DatasetResult, model: string): Plot[] {
  const label = datasetLabel(ds);
  const base = datasetSlug(ds);
  const plots: Plot[] = [];
  const shifted = shiftedOf(r, ds);
  const severity = renderSeverity(ds, shifted, `${label}: top-1 against corruption severity`, `${model}; severity 0 = the clean test set; probes: mean over seeds`);
  if (severity) {
    const n = severityPanels(ds, shifted).length;
    plots.push({ file: `${base}-severity.png`, dataset: label, shifts: true, caption: `${label}: top-1 against severity for each of the ${plural(n, 'corruption')} run, zero-shot and every k-shot probe`, png: severity });
  }
  const used = new Set<string>();
  for (const rob of robustnessOf(r, ds)) {
    if (isCorruptionRecord(rob)) {
      const bars = renderCorruptionBars(rob, `${label}: top-1 per corruption`, `${model}; ${rob.suite}`);
      const probe = largestProbeMethod(rob);
      if (bars)
        plots.push({ file: `${base}-corruption-bars.png`, dataset: label, shifts: true, caption: `${label}: mean top-1 over severities per corruption, zero-shot vs the ${probe ? `${probeKind(probe.shots ?? 'all')} ` : ''}probe, sorted by zero-shot; extras (outside mCA) lighter`, png: bars });
    }
    let name = `${base}-robustness-${recordSlug(rob)}`;
    for (let i = 2; used.has(name); i++) name = `${base}-robustness-${recordSlug(rob)}-${i}`;
    used.add(name);
    const title = `${label}: effective robustness, ${isCorruptionRecord(rob) ? 'corruptions' : rob.shifts.join(', ')}`;
    const inDomain = inDomainNote(r, shifted, rob);
    const png = renderRobustnessScatter(rob, title, [`${model}; ${rob.suite}`, `y: ${shiftedText(rob)}; both axes logit-scaled (Taori et al. 2020; CLIP Fig. 13/14)`, ...(inDomain ? [inDomain] : [])]);
    const notes = [...scatterNotes(scatterData(rob)), ...(inDomain ? [inDomain] : [])];
    if (png)
      plots.push({ file: `${name}.png`, dataset: label, shifts: true, caption: `${label}, ${rob.suite}: clean vs shifted top-1 (${shiftedText(rob)}) on logit axes, probes' logit-linear fit and y = x; ${notes.join('; ')}`, png });
  }
  return plots;
}
