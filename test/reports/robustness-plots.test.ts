import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { logit } from '../../src/evaluation/robustness.ts';
import { barLabel, corruptionBars, largestProbeMethod, renderCorruptionBars } from '../../src/reports/charts/corruption-bars.ts';
import { logitAxis } from '../../src/reports/charts/logit-axis.ts';
import { fitBand, renderRobustnessScatter, SCATTER_SIZE, scatterData, scatterNotes, t975 } from '../../src/reports/charts/robustness-scatter.ts';
import { gridColumns, renderSeverity, severityPanels } from '../../src/reports/charts/severity.ts';
import { renderRunHtml } from '../../src/reports/html/run.ts';
import { runPlots } from '../../src/reports/plots.ts';
import { runReportFiles } from '../../src/reports/write.ts';
import type { BenchResults, DatasetResult } from '../../src/results/schema.ts';
import { pngSize, readFixture, SHIFTED } from './helpers.ts';

let r: BenchResults;
let clean: DatasetResult;
let shifted: DatasetResult[];
beforeAll(async () => {
  r = await readFixture(SHIFTED);
  clean = r.datasets[0];
  shifted = r.datasets.slice(1);
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const corruptionRecord = () => structuredClone(r.robustness![0]);
const naturalRecord = () => structuredClone(r.robustness![1]);

/** `n` corruptions × 5 severities, copied from the fixture's gaussian_noise rows. */
function manyCorruptions(n: number): DatasetResult[] {
  return Array.from({ length: n }, (_, c) =>
    [1, 2, 3, 4, 5].map((s) => {
      const d = structuredClone(shifted.find((x) => x.shift === `gaussian_noise:${s}`)!);
      d.shift = `c${c}:${s}`;
      if (d.shiftInfo?.kind === 'corruption') d.shiftInfo.corruption = `c${c}`;
      return d;
    }),
  ).flat();
}

describe('accuracy against severity', () => {
  it('has one panel per corruption in record order, each line starting at severity 0 with the clean top-1', () => {
    const panels = severityPanels(clean, shifted);
    expect(panels.map((p) => [p.corruption, p.group])).toEqual([['gaussian_noise', 'corruptions'], ['contrast', 'corruptions'], ['saturate', 'extra']]);
    expect(panels[0].lines.map((l) => l.label)).toEqual(['zero-shot', '1-shot probe', '2-shot probe', '4-shot probe', '8-shot probe']);
    expect(panels[0].lines[4].points).toEqual([0, 1, 2, 3, 4, 5].map((severity, i) => ({ severity, top1: [0.8, 0.55, 0.5, 0.45, 0.35, 0.3][i] })));
  });

  it('plots only the severities that ran (contrast:3 alone gives clean and 3)', () => {
    const contrast = severityPanels(clean, shifted).find((p) => p.corruption === 'contrast')!;
    expect(contrast.lines[0].points).toEqual([{ severity: 0, top1: 0.6 }, { severity: 3, top1: 0.5 }]);
  });

  it('lays 1, 3, 4 and 19 corruptions out in 1, 3, 2 and 5 columns', () => {
    expect([1, 3, 4, 19].map(gridColumns)).toEqual([1, 3, 2, 5]);
  });

  it('grows downwards with the number of corruptions, keeping the width', () => {
    const three = pngSize(renderSeverity(clean, shifted, 't', 's')!);
    const nineteen = pngSize(renderSeverity(clean, manyCorruptions(19), 't', 's')!);
    expect(three.width).toBe(1100);
    expect(nineteen.width).toBe(1100);
    expect(nineteen.height).toBeGreaterThan(three.height + 500);
  });

  it('draws nothing without corruptions (natural shifts only)', () => {
    expect(renderSeverity(clean, shifted.filter((d) => d.shiftInfo?.kind === 'natural'), 't', 's')).toBeNull();
  });
});

describe('per-corruption bars', () => {
  it('compares zero-shot with the largest-k probe, sorted by zero-shot, best first', () => {
    expect(largestProbeMethod(corruptionRecord())?.shots).toBe(8);
    const bars = corruptionBars(corruptionRecord());
    expect(bars.map((b) => [b.corruption, b.zeroShot, b.probe])).toEqual([['saturate', 0.6, 0.75], ['contrast', 0.5, 0.6], ['gaussian_noise', 0.45, 0.43]]);
  });

  it('labels the extras and the severities when not all five ran', () => {
    expect(corruptionBars(corruptionRecord()).map(barLabel)).toEqual(['saturate (extra) [s2]', 'contrast [s3]', 'gaussian_noise']);
  });

  it('draws nothing for a natural shift (no corruption summary)', () => {
    expect(renderCorruptionBars(naturalRecord(), 't', 's')).toBeNull();
  });
});

describe('logit axes', () => {
  it('puts ticks at round percentages in logit units, labelled in %', () => {
    const axis = logitAxis([0.3, 0.8]);
    expect(axis.ticks.map(axis.label)).toEqual(['30%', '40%', '50%', '60%', '70%', '75%', '80%']);
    expect(axis.ticks[2]).toBe(0);
    expect(axis.min).toBeCloseTo(logit(0.3) - 0.25, 9);
  });

  it('uses the coarse ticks (1, 5, 10, 25 … %) over a wide range', () => {
    const axis = logitAxis([0.02, 0.97]);
    expect(axis.ticks.map(axis.label)).toEqual(['5%', '10%', '25%', '50%', '75%', '90%', '95%']);
  });

  it('widens a very narrow range to at least 3 ticks', () => {
    expect(logitAxis([0.5, 0.505], 0.01).ticks.length).toBeGreaterThanOrEqual(3);
  });

  it('keeps 0% and 100% finite, clamped as the effective-robustness fit clamps them', () => {
    const axis = logitAxis([0, 1]);
    expect(Number.isFinite(axis.min) && Number.isFinite(axis.max)).toBe(true);
    expect(axis.label(axis.ticks[0])).toBe('0.1%');
  });
});

describe('fit band', () => {
  it('is the OLS 95% band t·s·√(1/n + (x − x̄)²/Sxx) with n − 2 degrees of freedom', () => {
    // Worked by hand: x̄ = 1.5, Sxx = 5, line 0.9x − 0.1, SSE = 0.7, s = √0.35, t(2) = 4.303.
    const band = fitBand([{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 1 }, { x: 3, y: 3 }], { slope: 0.9, intercept: -0.1, r2: 0, points: 4 })!;
    expect(band(1.5)).toBeCloseTo((4.303 * Math.sqrt(0.35)) / 2, 4);
    expect(band(3.5)).toBeCloseTo(4.303 * Math.sqrt(0.35) * Math.sqrt(1 / 4 + 4 / 5), 4);
  });

  it('is not drawn below 4 distinct probe points', () => {
    const fit = { slope: 1, intercept: 0, r2: 1, points: 4 };
    expect(fitBand([{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 2, y: 2.5 }], fit)).toBeNull();
    expect(fitBand([{ x: 0, y: 0 }, { x: 1, y: 1 }, { x: 1, y: 1.2 }, { x: 2, y: 2 }], fit)).toBeNull();
  });

  it('uses Student t quantiles (12.706 at 1 df, towards 1.96 with many)', () => {
    expect(t975(1)).toBe(12.706);
    expect(t975(40)).toBeCloseTo(2.021, 3);
    expect(t975(1000)).toBeCloseTo(1.962, 3);
  });
});

describe('robustness scatter', () => {
  it('reads the probes and zero-shot from the record, in logit units, probes by k', () => {
    const d = scatterData(corruptionRecord());
    expect(d.probes.map((p) => p.method.shots)).toEqual([1, 2, 4, 8]);
    expect(d.probes[0].x).toBeCloseTo(logit(0.5), 12);
    expect(d.zeroShot!.y).toBeCloseTo(logit(r.robustness![0].methods[0].meanShifted), 12);
    expect(d.band).not.toBeNull();
  });

  it('states the effective robustness, the fit and what the band is', () => {
    expect(scatterNotes(scatterData(corruptionRecord()))).toEqual([
      'zero-shot effective robustness +8.1 points',
      'fit through 4 probe points, R² = 0.99',
      'band: 95% confidence band of the fitted line (OLS in logit space, Student t with 2 degrees of freedom, probes treated as independent)',
    ]);
  });

  it('says there is no band, and carries the record\'s flag, when only 3 probes ran', () => {
    const rob = corruptionRecord();
    rob.methods = rob.methods.filter((m) => m.shots !== 8);
    rob.effectiveRobustness = { ...rob.effectiveRobustness!, fit: { ...rob.effectiveRobustness!.fit!, points: 3, r2: 0.5 }, flag: 'poor logit-linear fit (R² = 0.50 < 0.8)' };
    const notes = scatterNotes(scatterData(rob));
    expect(notes).toContain('no band: 3 distinct probe points (a 95% band needs 4; with 3 its t has 1 degree of freedom and spans the plot)');
    expect(notes.at(-1)).toBe('flag: poor logit-linear fit (R² = 0.50 < 0.8)');
  });

  it('renders one PNG of the fixed size, also without zero-shot or a fit', () => {
    expect(pngSize(renderRobustnessScatter(corruptionRecord(), 't', ['s'])!)).toEqual(SCATTER_SIZE);
    const rob = naturalRecord();
    rob.methods = rob.methods.filter((m) => m.method !== 'zero-shot').slice(0, 1);
    rob.effectiveRobustness = null;
    expect(pngSize(renderRobustnessScatter(rob, 't', ['s'])!)).toEqual(SCATTER_SIZE);
  });
});

describe('robustness plots in the run report', () => {
  it('adds severity, per-corruption bars and one scatter per robustness record to the shift section', () => {
    const plots = runPlots(r).filter((p) => p.shifts);
    expect(plots.map((p) => p.file)).toEqual(['toy-shifts.png', 'toy-severity.png', 'toy-corruption-bars.png', 'toy-robustness-corruptions.png', 'toy-robustness-toysketch-2-classes.png']);
    for (const p of plots) expect(pngSize(p.png).width).toBeGreaterThanOrEqual(1000);
  });

  it('captions each scatter with its record\'s suite, effective robustness and band', () => {
    const caption = runPlots(r).find((p) => p.file === 'toy-robustness-toysketch-2-classes.png')!.caption;
    expect(caption).toContain('toy→toysketch (hand-made sketches of cat and dog)');
    expect(caption).toContain('zero-shot effective robustness +20.4 points');
    expect(caption).toContain('band: 95% confidence band');
  });

  it('notes when zero-shot is in-domain on the natural shift\'s target', () => {
    const inDomain = { ...structuredClone(r), model: { ...r.model, trainedOn: ['toysketch'] } };
    const caption = runPlots(inDomain).find((p) => p.file === 'toy-robustness-toysketch-2-classes.png')!.caption;
    expect(caption).toContain("zero-shot is in-domain here: tiny-a was trained on toysketch's labels");
  });

  it('has only the scatter for a run with natural shifts only', () => {
    const natural = structuredClone(r);
    natural.datasets = natural.datasets.filter((d) => d.shiftInfo?.kind !== 'corruption');
    natural.robustness = natural.robustness!.slice(1);
    expect(runPlots(natural).filter((p) => p.shifts).map((p) => p.file)).toEqual(['toy-shifts.png', 'toy-robustness-toysketch-2-classes.png']);
  });

  it('shows the new figures with their captions inside the distribution-shift section of report.html', () => {
    const html = renderRunHtml(r, runPlots(r));
    const section = html.slice(html.indexOf('<h3>Distribution shifts</h3>'), html.indexOf('<h3>Per-class accuracy</h3>'));
    for (const f of ['toy-severity.png', 'toy-corruption-bars.png', 'toy-robustness-corruptions.png', 'toy-robustness-toysketch-2-classes.png']) expect(section).toContain(`<code>plots/${f}</code>`);
    expect(section).toContain('How to read the robustness scatters');
    expect(section).toContain('zero-shot effective robustness +8.1 points; fit through 4 probe points, R² = 0.99');
  });

  it('gives byte-identical files for the same record', () => {
    const a = runReportFiles(r, ['png', 'html']);
    const b = runReportFiles(structuredClone(r), ['png', 'html']);
    expect(a.map(([name]) => name)).toEqual(b.map(([name]) => name));
    a.forEach(([, data], i) => expect(sha(Buffer.from(data))).toBe(sha(Buffer.from(b[i][1]))));
  });
});
