import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { GlobalFonts } from '@napi-rs/canvas';
import { FEW_SHOT_SIZE, renderFewShot, shotAxis, singleRunSeries } from '../../src/reports/charts/few-shot.ts';
import { MAX_CLASSES, renderConfusion, rowNormalise, shownClasses } from '../../src/reports/charts/confusion.ts';
import { MAX_ROWS, perClassRows, renderPerClass, shownRows, sortRows } from '../../src/reports/charts/per-class.ts';
import { FONT_FAMILY } from '../../src/reports/render.ts';
import { pngSize, readFixture, TINY_A } from './helpers.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('chart rendering', () => {
  it('draws the few-shot curve as a PNG of the fixed size, with the bundled font registered', async () => {
    const ds = (await readFixture(TINY_A)).datasets[0];
    const png = renderFewShot('toy', ['subtitle'], singleRunSeries(ds));
    expect(pngSize(png)).toEqual(FEW_SHOT_SIZE);
    expect(GlobalFonts.has(FONT_FAMILY)).toBe(true);
  });

  it('gives byte-identical PNGs for the same input', async () => {
    const ds = (await readFixture(TINY_A)).datasets[1];
    expect(sha(renderFewShot('toy2', [], singleRunSeries(ds)))).toBe(sha(renderFewShot('toy2', [], singleRunSeries(ds))));
    const cm = { title: 't', subtitle: 's', classes: ds.classes, counts: ds.zeroShot.metrics!.confusion };
    expect(sha(renderConfusion(cm))).toBe(sha(renderConfusion(cm)));
  });

  it('puts shots on a log2 axis from 1 to 16 with `all` at the end', async () => {
    const axis = shotAxis([(await readFixture(TINY_A)).datasets[0]]);
    expect(axis.ticks.slice(0, 5).map(axis.label)).toEqual(['1', '2', '4', '8', '16']);
    expect(axis.label(axis.ticks.at(-1)!)).toBe('all');
    expect(axis.x(4)).toBe(2);
  });

  it('places `all` at its mean examples per class when the record has it', async () => {
    const ds = (await readFixture(TINY_A)).datasets[0];
    ds.probes.find((p) => p.shots === 'all')!.effectiveShots = 64;
    const axis = shotAxis([ds]);
    expect(axis.ticks.at(-1)).toBe(6);
    expect(axis.label(6)).toBe('all (≈64)');
  });

  it('renders 345 classes as a per-class plot of bounded height, taller than for 3', async () => {
    const toy = (await readFixture(TINY_A)).datasets[0];
    const big = structuredClone(toy);
    big.classes = Array.from({ length: 345 }, (_, i) => `class ${i}`);
    big.zeroShot.metrics!.perClassAccuracy = big.classes.map((_, i) => (i % 10) / 10);
    for (const p of big.probes) for (const s of p.perSeed) s.metrics.perClassAccuracy = big.classes.map((_, i) => (i % 7) / 7);
    const h = pngSize(renderPerClass(big, 'big')!).height;
    expect(h).toBeGreaterThan(pngSize(renderPerClass(toy, 'toy')!).height);
    expect(h).toBeLessThan(2000);
  });
});

describe('many classes', () => {
  it('per-class plot keeps the best and worst MAX_ROWS/2 and counts the rest', () => {
    const rows = Array.from({ length: 345 }, (_, i) => ({ cls: `c${i}`, zeroShot: i / 345, probe: 0.5 }));
    const { rows: shown, hidden } = shownRows(sortRows(rows, 'zeroShot'));
    expect(hidden).toBe(345 - MAX_ROWS);
    expect(shown).toHaveLength(MAX_ROWS + 1);
    expect(shown[0]!.cls).toBe('c344');
    expect(shown[MAX_ROWS / 2]).toBeNull();
    expect(shown.at(-1)!.cls).toBe('c0');
  });

  it('per-class rows sort by zero-shot accuracy, classes without test examples last', async () => {
    const ds = (await readFixture(TINY_A)).datasets[0];
    ds.zeroShot.metrics!.perClassAccuracy = [0.5, null, 1];
    expect(sortRows(perClassRows(ds), 'zeroShot').map((r) => r.cls)).toEqual(['bird', 'cat', 'dog']);
  });

  it('confusion matrix shows the MAX_CLASSES lowest-recall classes, in class order', () => {
    const K = 100;
    const counts = new Array(K * K).fill(0);
    for (let i = 0; i < K; i++) {
      counts[i * K + i] = i; // recall grows with the index
      counts[i * K + ((i + 1) % K)] = K - i;
    }
    const shown = shownClasses(rowNormalise(counts, K), K);
    expect(shown).toEqual(Array.from({ length: MAX_CLASSES }, (_, i) => i));
  });

  it('row-normalises each true class to 1 and marks classes without examples as NaN', () => {
    const rates = rowNormalise([1, 3, 0, 0], 2);
    expect(rates.slice(0, 2)).toEqual([0.25, 0.75]);
    expect(rates.slice(2).every(Number.isNaN)).toBe(true);
  });
});
