import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { compareOutcomes } from '../../src/compare/compare.ts';
import { evaluateGates, GATE_PRESETS, verdictLine } from '../../src/compare/gates.ts';
import { renderCompareMarkdown, type CompareRecord } from '../../src/compare/markdown.ts';
import type { ExportOutcomes } from '../../src/compare/outcomes.ts';
import { compareReportFiles } from '../../src/reports/compare-report.ts';
import { MAX_ROWS } from '../../src/reports/charts/per-class.ts';
import { classDeltaRows, comparePlots, histogramLabels, renderClassDelta, symmetricExtent } from '../../src/reports/compare-plots.ts';
import { Rng } from '../../src/util/rng.ts';
import { pngSize } from './helpers.ts';

/**
 * A comparison made the way `npm run compare` makes it, from hand-made per-example outcomes: the candidate
 * changes `flip` of the rows' predictions and perturbs the embeddings by `noise`.
 */
function makeRecord(opts: { classes: number; n: number; flip: number; noise: number; probe?: boolean }): CompareRecord {
  const rng = new Rng(7);
  const K = opts.classes;
  const dim = 8;
  const classes = Array.from({ length: K }, (_, i) => `class ${i}`);
  const labels = Int32Array.from({ length: opts.n }, (_, i) => i % K);
  const refPred = labels.map((y) => (rng.next() < 0.7 ? y : rng.int(K)));
  const candPred = refPred.map((p) => (rng.next() < opts.flip ? (p + 1) % K : p));
  const refFeats = Float32Array.from({ length: opts.n * dim }, () => rng.next() - 0.5);
  const candFeats = refFeats.map((x) => x + opts.noise * (rng.next() - 0.5));
  const outcomes = (predictions: Int32Array, testFeats: Float32Array, probe: Int32Array): ExportOutcomes => ({
    name: 'x', files: [], dim, testFeats, classifier: null, zeroShot: { predictions, top5: predictions, top5Width: 1, scores: new Float32Array(opts.n * K) },
    probes: new Map(opts.probe ? [[4, [{ seed: 0, C: 1, predictions: probe }]]] : []), imagesPerSecond: null,
  });
  const d = compareOutcomes('toy', classes, labels, outcomes(refPred, refFeats, labels), outcomes(candPred, candFeats, candPred), 200);
  const gates = GATE_PRESETS.fp16;
  const gateResults = evaluateGates([d], gates);
  const exp = (name: string, sha: string) => ({ ref: `models/${name}`, variant: null, name, files: [{ role: 'vision', sha256: sha.repeat(64), bytes: 2_000_000 }] });
  return {
    createdAt: '2026-11-29T00:00:00.000Z', reference: exp('ref-export', 'a'), candidate: exp('cand-export', 'b'), command: { argv: ['npm', 'run', 'compare'] },
    protocol: { limit: null, preset: 'fp16', gates, threads: 2 }, speed: { 'toy reference': 100, 'toy candidate': 250 }, datasets: [d], gates: gateResults, verdict: verdictLine(gateResults),
  };
}

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const html = (r: CompareRecord) => String(compareReportFiles(r).find(([f]) => f === 'compare.html')![1]);

describe('compare.html', () => {
  it('puts a FAIL verdict at the top and lists each failed gate with its measured value and limit', () => {
    const r = makeRecord({ classes: 10, n: 500, flip: 0.2, noise: 0.5 });
    const failed = r.gates.filter((g) => !g.passed);
    expect(failed.map((g) => g.gate).sort()).toEqual(['max-drop', 'max-negative-flips', 'min-agreement', 'min-cosine'].sort());
    const page = html(r);
    expect(page.indexOf('<strong>FAIL</strong>')).toBeLessThan(page.indexOf('<h2'));
    expect(page).toContain(`${failed.length} of ${r.gates.length} gate checks failed`);
    const agreement = failed.find((g) => g.gate === 'min-agreement')!;
    expect(page).toContain(`<td>min-agreement</td><td>toy zero-shot</td><td>${agreement.measured!.toFixed(4)}</td><td>≥ 0.995</td><td><strong class="fail">FAIL</strong></td>`);
    const cosine = failed.find((g) => g.gate === 'min-cosine')!;
    expect(page).toContain(`<td>${cosine.measured!.toFixed(6)}</td><td>≥ 0.999</td>`);
  });

  it('says PASS when every gate passes', () => {
    const page = html(makeRecord({ classes: 10, n: 500, flip: 0, noise: 0 }));
    expect(page).toMatch(/<strong>PASS<\/strong>: every one of \d+ gate checks passed/);
    expect(page).not.toContain('class="fail"');
  });

  it('names both exports with their file hashes, sizes and images/s', () => {
    const page = html(makeRecord({ classes: 10, n: 200, flip: 0.1, noise: 0.1 }));
    expect(page).toContain('a'.repeat(64));
    expect(page).toContain('b'.repeat(64));
    expect(page).toContain('2.00 MB');
    expect(page).toContain('toy reference 100 images/s; toy candidate 250 images/s');
  });

  it('shows the flip table: per class the flip counts, and the most frequent changes', () => {
    const r = makeRecord({ classes: 3, n: 60, flip: 0.3, noise: 0 });
    const f = r.datasets[0].zeroShot!.flips;
    const worst = [...f.perClass].sort((a, b) => b.negative - a.negative)[0];
    expect(worst.negative).toBeGreaterThan(0);
    const page = html(r);
    expect(page).toContain(`<td>${worst.class}</td><td>${worst.n}</td><td>${worst.negative}</td><td>${worst.positive}</td>`);
    const top = f.pairs[0];
    expect(page).toContain(`<td>${top.trueClass}</td><td>${top.reference} → ${top.candidate}</td><td>${top.kind}</td><td>${top.count}</td>`);
  });

  it('is self-contained: every plot inlined as a data: URI, no external resources', () => {
    const r = makeRecord({ classes: 10, n: 200, flip: 0.1, noise: 0.1, probe: true });
    const page = html(r);
    expect(page.match(/src="data:image\/png;base64,/g)).toHaveLength(comparePlots(r).length);
    expect(page).not.toMatch(/(src|href)="(https?:|\/\/)/);
  });

  it('gives byte-identical files for the same record', () => {
    const r = makeRecord({ classes: 10, n: 300, flip: 0.1, noise: 0.1, probe: true });
    const a = compareReportFiles(r).map(([f, b]) => `${f} ${sha(b)}`);
    const b = compareReportFiles(structuredClone(r)).map(([f, x]) => `${f} ${sha(x)}`);
    expect(a).toEqual(b);
  });
});

describe('comparison plots', () => {
  it('draws per-class Δ (when a class moved), the cosine histogram and, with probes, Δ per classifier', () => {
    const files = comparePlots(makeRecord({ classes: 10, n: 200, flip: 0.1, noise: 0.1, probe: true })).map((p) => p.file);
    expect(files).toEqual(['toy-class-delta.png', 'toy-cosine-histogram.png', 'toy-classifier-delta.png']);
    expect(comparePlots(makeRecord({ classes: 10, n: 200, flip: 0.1, noise: 0.1 })).map((p) => p.file)).not.toContain('toy-classifier-delta.png');
    expect(comparePlots(makeRecord({ classes: 10, n: 200, flip: 0, noise: 0.1 })).map((p) => p.file)).toEqual(['toy-cosine-histogram.png']);
  });

  it('keeps the per-class Δ plot of 345 classes to the largest gains and losses, at bounded height', () => {
    const big = renderClassDelta(makeRecord({ classes: 345, n: 3450, flip: 0.1, noise: 0 }).datasets[0], 'big')!;
    const small = renderClassDelta(makeRecord({ classes: 10, n: 100, flip: 0.1, noise: 0 }).datasets[0], 'small')!;
    expect(pngSize(big).height).toBeGreaterThan(pngSize(small).height);
    expect(pngSize(big).height).toBeLessThan(200 + (MAX_ROWS + 2) * 19);
  });

  it('draws every class when few, only those whose Δ is not 0 when many, sorted by the classifier that moved more', () => {
    const few = classDeltaRows(makeRecord({ classes: 10, n: 100, flip: 0.05, noise: 0 }).datasets[0]);
    expect(few.rows).toHaveLength(10);
    expect(few.sortedBy).toBe('zeroShot');
    // The hand-made probe is always right for the reference: its Δ per class dwarfs zero-shot's.
    expect(classDeltaRows(makeRecord({ classes: 10, n: 100, flip: 0.05, noise: 0, probe: true }).datasets[0]).sortedBy).toBe('probe');
    const d = makeRecord({ classes: 345, n: 3450, flip: 0, noise: 0 }).datasets[0];
    const f = d.zeroShot!.flips.perClass;
    (f[7].negative = 2), (f[300].positive = 1);
    const many = classDeltaRows(d);
    expect(many.rows.map((r) => r!.cls)).toEqual(['class 300', 'class 7']);
    expect(many).toMatchObject({ hidden: 0, moved: 2, classes: 345 });
  });

  it('labels the histogram bins by their range, first and last open-ended', () => {
    const h = makeRecord({ classes: 10, n: 100, flip: 0, noise: 0.01 }).datasets[0].embeddings!.imageCosine.histogram;
    const labels = histogramLabels(h);
    expect(labels).toHaveLength(h.counts.length);
    expect(labels[0]).toBe('< 1e-8');
    expect(labels[1]).toEqual(['1e-8 –', '3e-8']);
    expect(labels.at(-1)).toBe('≥ 1e0');
  });

  it('centres Δ axes on 0 with a round half-width of at least 1 point', () => {
    expect([symmetricExtent([0.2]), symmetricExtent([-1.5, 0.3]), symmetricExtent([4]), symmetricExtent([-21.9])]).toEqual([1, 2, 5, 25]);
  });
});

describe('compare.md', () => {
  it('has a flip section per classifier with the per-class counts', () => {
    const r = makeRecord({ classes: 3, n: 60, flip: 0.3, noise: 0, probe: true });
    const md = renderCompareMarkdown(r);
    expect(md).toContain('### Flips');
    expect(md).toContain(`**zero-shot**: ${r.datasets[0].zeroShot!.flips.changed} of 60 predictions changed`);
    expect(md).toContain('**4-shot probe**:');
    const c = r.datasets[0].zeroShot!.flips.perClass.find((x) => x.negative > 0)!;
    expect(md).toContain(`| ${c.class} | ${c.n} | ${c.negative} | ${c.positive} |`);
  });
});
